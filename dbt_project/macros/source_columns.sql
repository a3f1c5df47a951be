{#-
    Helpers that let staging select optional variables safely.

    A study may not supply a variable at all (no AESPID, no LBSTNRLO ...). `source_columns`
    returns the lower-case column names of a source table as they are in the warehouse, and the
    `col_*` macros emit either the cleaned column or NULL cast to the target type when the
    column is absent, so a staging model never fails on a missing optional variable.

    The source's real location is looked up in the graph (not through `source()`), so the same
    code works when a unit test replaces the source with fixture rows (the table's columns are
    still read from the warehouse).
-#}

{% macro source_columns(source_name, table_name) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set ns = namespace(rel=none, found=false) -%}
    {%- for node in (graph.get('sources') or {}).values() -%}
        {%- if node.source_name == source_name and node.name == table_name -%}
            {%- set ns.found = true -%}
            {%- set ns.rel = adapter.get_relation(database=node.database, schema=node.schema,
                                                  identifier=node.identifier) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not ns.found -%}
        {#- unit tests compile without the sources graph: the source name is its schema here -#}
        {%- set ns.rel = adapter.get_relation(database=target.database, schema=source_name,
                                              identifier=table_name) -%}
    {%- endif -%}
    {%- if ns.rel is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set names = [] -%}
    {%- for c in adapter.get_columns_in_relation(ns.rel) -%}
        {%- do names.append(c.name | lower) -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}


{%- macro _has_column(cols, name) -%}
    {{ return(cols is none or (name | lower) in cols) }}
{%- endmacro -%}


{#- Text variable: trimmed, blank -> NULL. -#}
{% macro col_text(cols, name) -%}
    {%- if _has_column(cols, name) -%}
        nullif(trim(cast({{ adapter.quote(name) }} as varchar)), '')
    {%- else -%}
        cast(null as varchar)
    {%- endif -%}
{%- endmacro %}


{#- Numeric variable from text: trimmed, blank -> NULL, cast to `type` (non-numbers -> NULL). -#}
{% macro col_num(cols, name, type='double') -%}
    {%- if _has_column(cols, name) -%}
        try_cast(nullif(trim(cast({{ adapter.quote(name) }} as varchar)), '') as {{ type }})
    {%- else -%}
        cast(null as {{ type }})
    {%- endif -%}
{%- endmacro %}


{#- Any column cast to `type` as it is (configuration tables are already typed). -#}
{% macro col_cast(cols, name, type) -%}
    {%- if _has_column(cols, name) -%}
        try_cast({{ adapter.quote(name) }} as {{ type }})
    {%- else -%}
        cast(null as {{ type }})
    {%- endif -%}
{%- endmacro %}


{#- Y/N flag config value (boolean true/false or text Y/N/true/false) -> boolean. -#}
{% macro col_bool(cols, name, default=false) -%}
    {%- if _has_column(cols, name) -%}
        coalesce(case upper(trim(cast({{ adapter.quote(name) }} as varchar)))
                     when 'TRUE' then true when 'Y' then true when 'YES' then true when '1' then true
                     when 'FALSE' then false when 'N' then false when 'NO' then false when '0' then false
                 end, {{ default }})
    {%- else -%}
        {{ default }}
    {%- endif -%}
{%- endmacro %}


{#-
    `from {{ source_or_empty('raw', 'vs') }}`: the source table, or an empty relation when no
    study has supplied that table yet (every column then comes out NULL through the col_* macros).
-#}
{% macro source_or_empty(source_name, table_name) -%}
    {%- set cols = source_columns(source_name, table_name) -%}
    {%- if cols is not none and cols | length == 0 -%}
        (select 1 as _empty where false)
    {%- else -%}
        {{ source(source_name, table_name) }}
    {%- endif -%}
{%- endmacro %}

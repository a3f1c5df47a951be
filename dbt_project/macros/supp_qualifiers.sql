{#-
    Supplemental qualifiers (SUPP--) as columns of their parent's staging model.

    Every QNAM a study delivers in raw.supp<domain> becomes a column of the parent model: the
    QNAM in lower case, its QVAL as text (trimmed, blank -> NULL), cast to a type only where the
    model declares one. Nothing a sponsor sends is dropped: the QNAMs are read from the
    warehouse when the model is compiled, so a new qualifier arrives as a new column without a
    code change. Its label is the QLABEL of raw.supp<domain>.

    In a model:

        {%- set qnams = supp_qnams('suppae', parent_columns=c, always=['AETRTEM']) -%}
        supp as ( {{ supp_qualifiers('suppae', 'AESEQ', qnams) }} ),
        ...
        select renamed.* {{- supp_columns(qnams, types={'AETRTEM': 'varchar'}) }}
        from renamed left join supp on ...

    always          QNAMs downstream models rely on: always columns (NULL when not delivered,
                    or when the SUPP table is missing altogether).
    parent_columns  the parent source's columns (source_columns): a QNAM that repeats a
                    parent variable is refused, as SDTM does not allow it and the two columns
                    would collide.

    At parse time (no warehouse) and without a SUPP table, only the `always` QNAMs are columns.
-#}

{% macro supp_qnams(supp_table, parent_columns=none, always=[]) %}
    {%- set names = [] -%}
    {%- for q in always -%}
        {%- do names.append(q | upper) -%}
    {%- endfor -%}
    {%- if not execute -%}
        {{ return(names) }}
    {%- endif -%}
    {%- set cols = source_columns('raw', supp_table) -%}
    {%- if cols and 'qnam' in cols -%}
        {%- set found = run_query(
            "select distinct upper(trim(QNAM)) as qnam from " ~ _supp_relation(supp_table)
            ~ " where nullif(trim(QNAM), '') is not null order by 1") -%}
        {%- for row in found.rows -%}
            {%- set q = row[0] -%}
            {%- if not modules.re.fullmatch('[A-Z][A-Z0-9_]{0,7}', q) -%}
                {{ exceptions.raise_compiler_error(
                    "raw." ~ supp_table ~ ": QNAM " ~ (q | tojson) ~ " is not an SDTM variable name "
                    ~ "(a letter, then up to 7 letters, digits or underscores); see rule "
                    ~ (supp_table | upper) ~ "-QNAM-NAME") }}
            {%- endif -%}
            {%- if parent_columns and (q | lower) in parent_columns -%}
                {{ exceptions.raise_compiler_error(
                    "raw." ~ supp_table ~ ": QNAM " ~ q ~ " repeats a variable of the parent domain; "
                    ~ "a supplemental qualifier must have a name of its own") }}
            {%- endif -%}
            {%- if q not in names -%}
                {%- do names.append(q) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names) }}
{% endmacro %}


{#- The warehouse relation of raw.<supp_table> (found as source_columns finds it). -#}
{% macro _supp_relation(supp_table) %}
    {%- for node in (graph.get('sources') or {}).values() -%}
        {%- if node.source_name == 'raw' and node.name == supp_table -%}
            {{ return(adapter.get_relation(database=node.database, schema=node.schema,
                                           identifier=node.identifier)) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(adapter.get_relation(database=target.database, schema='raw', identifier=supp_table)) }}
{% endmacro %}


{#-
    Pivot a SUPP-- table into one row per parent record with one column per QNAM.

    supp_table  the raw supplemental table name, e.g. 'suppae'
    idvar       the parent variable SUPP-- points at (IDVAR), e.g. 'AESEQ'
    qnams       QNAM values to bring across (supp_qnams); each becomes a lower-case text column

    Returns a select of (studyid, usubjid, idvarval, <qnam>...). When the supplemental table does
    not exist in the warehouse the select returns no rows, so the qualifier columns are NULL.
-#}
{% macro supp_qualifiers(supp_table, idvar, qnams) -%}
    {%- set cols = source_columns('raw', supp_table) -%}
    {%- if cols is not none and cols | length == 0 -%}
    select
        cast(null as varchar) as studyid,
        cast(null as varchar) as usubjid,
        cast(null as varchar) as idvarval
        {%- for q in qnams %},
        cast(null as varchar) as {{ adapter.quote(q | lower) }}
        {%- endfor %}
    where false
    {%- else -%}
    select
        nullif(trim(STUDYID), '') as studyid,
        nullif(trim(USUBJID), '') as usubjid,
        nullif(trim(IDVARVAL), '') as idvarval
        {%- for q in qnams %},
        max(case when upper(trim(QNAM)) = '{{ q | upper }}' then nullif(trim(QVAL), '') end)
            as {{ adapter.quote(q | lower) }}
        {%- endfor %}
    from {{ source('raw', supp_table) }}
    where upper(trim(IDVAR)) = '{{ idvar | upper }}'
    group by 1, 2, 3
    {%- endif -%}
{%- endmacro %}


{#-
    The qualifier columns of the parent's select, each preceded by a comma: text, or
    try_cast to the type the model declares for that QNAM in `types` (QNAM -> SQL type).
-#}
{% macro supp_columns(qnams, types={}, alias='supp') -%}
    {%- for q in qnams %}
        , {% if (q | upper) in types -%}
        try_cast({{ alias }}.{{ adapter.quote(q | lower) }} as {{ types[q | upper] }}) as {{ adapter.quote(q | lower) }}
        {%- else -%}
        {{ alias }}.{{ adapter.quote(q | lower) }}
        {%- endif -%}
    {%- endfor %}
{%- endmacro %}

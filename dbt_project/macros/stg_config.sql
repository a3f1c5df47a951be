{#-
    Staging for one study-configuration list table raw.cfg_<section>.

    columns: list of [key, type] or [key, type, alias]; type is an SQL type, 'text' (trimmed,
    blank -> NULL) or 'flag' (boolean). The table holds the validated configuration with its
    defaults filled in (safety_warehouse/study_model.py): this only renames and casts. Rows are tied to the study's STUDYID through raw.cfg_study so models
    join configuration on studyid like any SDTM data.
-#}
{% macro stg_config(table, columns) -%}
{%- set c = source_columns('raw', table) -%}
{%- set s = source_columns('raw', 'cfg_study') -%}

with

source as (

    select * from {{ source_or_empty('raw', table) }}

),

study as (

    select
        {{ col_text(s, 'study') }} as study,
        {{ col_text(s, 'studyid') }} as studyid
    from {{ source_or_empty('raw', 'cfg_study') }}

),

renamed as (

    select
        ---------- study
        {{ col_text(c, 'study') }} as study,

        ---------- {{ table }} keys
        {%- for col in columns %}
        {%- set key, type = col[0], col[1] %}
        {%- set alias = col[2] if col | length > 2 else key %}
        {% if type == 'text' -%}
        {{ col_text(c, key) }}
        {%- elif type == 'flag' -%}
        {{ col_cast(c, key, 'boolean') }}
        {%- else -%}
        {{ col_cast(c, key, type) }}
        {%- endif %} as {{ alias }}{{ "," if not loop.last }}
        {%- endfor %}

    from source

)

select
    study.studyid,
    renamed.*
from renamed
inner join study on study.study = renamed.study
{%- endmacro %}

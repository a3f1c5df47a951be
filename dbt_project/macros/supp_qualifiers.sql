{#-
    Pivot a SUPP-- table into one row per parent record with one column per QNAM.

    supp_table  the raw supplemental table name, e.g. 'suppae'
    idvar       the parent variable SUPP-- points at (IDVAR), e.g. 'AESEQ'
    qnams       QNAM values to bring across; each becomes a lower-case text column

    Returns a select of (studyid, usubjid, idvarval, <qnam>...). Adding a qualifier to a domain
    is one more name in `qnams`. When the supplemental table does not exist in the warehouse
    the select returns no rows, so the parent's columns are simply NULL.
-#}
{% macro supp_qualifiers(supp_table, idvar, qnams) -%}
    {%- set cols = source_columns('raw', supp_table) -%}
    {%- if cols is not none and cols | length == 0 -%}
    select
        cast(null as varchar) as studyid,
        cast(null as varchar) as usubjid,
        cast(null as varchar) as idvarval
        {%- for q in qnams %},
        cast(null as varchar) as {{ q | lower }}
        {%- endfor %}
    where false
    {%- else -%}
    select
        nullif(trim(STUDYID), '') as studyid,
        nullif(trim(USUBJID), '') as usubjid,
        nullif(trim(IDVARVAL), '') as idvarval
        {%- for q in qnams %},
        max(case when upper(trim(QNAM)) = '{{ q | upper }}' then nullif(trim(QVAL), '') end) as {{ q | lower }}
        {%- endfor %}
    from {{ source('raw', supp_table) }}
    where upper(trim(IDVAR)) = '{{ idvar | upper }}'
    group by 1, 2, 3
    {%- endif -%}
{%- endmacro %}

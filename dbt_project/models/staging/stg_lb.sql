{%- set c = source_columns('raw', 'lb') -%}
{#- every QNAM of raw.supplb is a column; LBTMSHI and ENDPOINT always are (documented in stg_lb.yml) -#}
{%- set qnams = supp_qnams('supplb', parent_columns=c, always=['LBTMSHI', 'ENDPOINT']) -%}

with

source as (

    select * from {{ source_or_empty('raw', 'lb') }}

),

supp as (

    {{ supp_qualifiers('supplb', 'LBSEQ', qnams) }}

),

renamed as (

    select
        ---------- identifiers
        {{ col_text(c, 'STUDYID') }} as studyid,
        {{ col_text(c, 'USUBJID') }} as usubjid,
        {{ col_num(c, 'LBSEQ', 'integer') }} as lbseq,
        {{ col_text(c, 'LBSPID') }} as lbspid,

        ---------- test
        {{ col_text(c, 'LBTESTCD') }} as lbtestcd,
        {{ col_text(c, 'LBTEST') }} as lbtest,
        {{ col_text(c, 'LBCAT') }} as lbcat,
        {{ col_text(c, 'LBSCAT') }} as lbscat,
        {{ col_text(c, 'LBSPEC') }} as lbspec,
        {{ col_text(c, 'LBSTAT') }} as lbstat,
        {{ col_text(c, 'LBREASND') }} as lbreasnd,

        ---------- original result
        {{ col_text(c, 'LBORRES') }} as lborres,
        {{ col_text(c, 'LBORRESU') }} as lborresu,
        {{ col_text(c, 'LBORNRLO') }} as lbornrlo,
        {{ col_text(c, 'LBORNRHI') }} as lbornrhi,

        ---------- standardised result
        {{ col_text(c, 'LBSTRESC') }} as lbstresc,
        {{ col_num(c, 'LBSTRESN') }} as lbstresn,
        {{ col_text(c, 'LBSTRESU') }} as lbstresu,
        {{ col_num(c, 'LBSTNRLO') }} as lbstnrlo,
        {{ col_num(c, 'LBSTNRHI') }} as lbstnrhi,
        {{ col_text(c, 'LBNRIND') }} as lbnrind,
        {{ col_text(c, 'LBBLFL') }} as lbblfl,

        ---------- timing
        {{ col_num(c, 'VISITNUM') }} as visitnum,
        {{ col_text(c, 'VISIT') }} as visit,
        {{ col_num(c, 'VISITDY', 'integer') }} as visitdy,
        {{ dtc_columns(c, 'LBDTC', 'lb') }},
        {{ col_num(c, 'LBDY', 'integer') }} as lbdy,

        ---------- provenance
        {{ col_text(c, '_load_id') }} as _load_id

    from source

),

with_supp as (

    select
        renamed.*

        ---------- supplemental qualifiers (SUPPLB): one column per QNAM
        {{ supp_columns(qnams) }}

    from renamed
    left join supp
        on  supp.studyid = renamed.studyid
        and supp.usubjid = renamed.usubjid
        and try_cast(supp.idvarval as double) = renamed.lbseq

)

select * from with_supp

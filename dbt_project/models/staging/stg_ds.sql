{%- set c = source_columns('raw', 'ds') -%}

with

source as (

    select * from {{ source_or_empty('raw', 'ds') }}

),

renamed as (

    select
        ---------- identifiers
        {{ col_text(c, 'STUDYID') }} as studyid,
        {{ col_text(c, 'USUBJID') }} as usubjid,
        {{ col_num(c, 'DSSEQ', 'integer') }} as dsseq,
        {{ col_text(c, 'DSSPID') }} as dsspid,

        ---------- disposition
        {{ col_text(c, 'DSTERM') }} as dsterm,
        {{ col_text(c, 'DSDECOD') }} as dsdecod,
        {{ col_text(c, 'DSCAT') }} as dscat,
        {{ col_text(c, 'DSSCAT') }} as dsscat,

        ---------- timing
        {{ col_num(c, 'VISITNUM') }} as visitnum,
        {{ col_text(c, 'VISIT') }} as visit,
        {{ dtc_columns(c, 'DSDTC', 'ds') }},
        {{ dtc_columns(c, 'DSSTDTC', 'dsst') }},
        {{ col_num(c, 'DSSTDY', 'integer') }} as dsstdy,

        ---------- provenance
        {{ col_text(c, '_load_id') }} as _load_id

    from source

)

select * from renamed

{%- set c = source_columns('raw', 'ex') -%}

with

source as (

    select * from {{ source_or_empty('raw', 'ex') }}

),

renamed as (

    select
        ---------- identifiers
        {{ col_text(c, 'STUDYID') }} as studyid,
        {{ col_text(c, 'USUBJID') }} as usubjid,
        {{ col_num(c, 'EXSEQ', 'integer') }} as exseq,

        ---------- treatment
        {{ col_text(c, 'EXTRT') }} as extrt,
        {{ col_num(c, 'EXDOSE') }} as exdose,
        {{ col_text(c, 'EXDOSU') }} as exdosu,
        {{ col_text(c, 'EXDOSFRM') }} as exdosfrm,
        {{ col_text(c, 'EXDOSFRQ') }} as exdosfrq,
        {{ col_text(c, 'EXROUTE') }} as exroute,

        ---------- timing
        {{ col_num(c, 'VISITNUM') }} as visitnum,
        {{ col_text(c, 'VISIT') }} as visit,
        {{ col_num(c, 'VISITDY', 'integer') }} as visitdy,
        {{ dtc_columns(c, 'EXSTDTC', 'exst') }},
        {{ dtc_columns(c, 'EXENDTC', 'exen') }},
        {{ col_num(c, 'EXSTDY', 'integer') }} as exstdy,
        {{ col_num(c, 'EXENDY', 'integer') }} as exendy,

        ---------- provenance
        {{ col_text(c, '_load_id') }} as _load_id

    from source

)

select * from renamed

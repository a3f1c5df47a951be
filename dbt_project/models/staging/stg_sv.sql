{%- set c = source_columns('raw', 'sv') -%}

with

source as (

    select * from {{ source_or_empty('raw', 'sv') }}

),

renamed as (

    select
        ---------- identifiers
        {{ col_text(c, 'STUDYID') }} as studyid,
        {{ col_text(c, 'USUBJID') }} as usubjid,

        ---------- visit
        {{ col_num(c, 'VISITNUM') }} as visitnum,
        {{ col_text(c, 'VISIT') }} as visit,
        {{ col_num(c, 'VISITDY', 'integer') }} as visitdy,

        ---------- timing
        {{ dtc_columns(c, 'SVSTDTC', 'svst') }},
        {{ dtc_columns(c, 'SVENDTC', 'sven') }},

        ---------- provenance
        {{ col_text(c, '_load_id') }} as _load_id

    from source

)

select * from renamed

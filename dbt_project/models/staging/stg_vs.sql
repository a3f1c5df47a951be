{%- set c = source_columns('raw', 'vs') -%}

with

source as (

    select * from {{ source_or_empty('raw', 'vs') }}

),

renamed as (

    select
        ---------- identifiers
        {{ col_text(c, 'STUDYID') }} as studyid,
        {{ col_text(c, 'USUBJID') }} as usubjid,
        {{ col_num(c, 'VSSEQ', 'integer') }} as vsseq,
        {{ col_text(c, 'VSSPID') }} as vsspid,

        ---------- test
        {{ col_text(c, 'VSTESTCD') }} as vstestcd,
        {{ col_text(c, 'VSTEST') }} as vstest,
        {{ col_text(c, 'VSCAT') }} as vscat,
        {{ col_text(c, 'VSPOS') }} as vspos,
        {{ col_text(c, 'VSLOC') }} as vsloc,
        {{ col_text(c, 'VSSTAT') }} as vsstat,
        {{ col_text(c, 'VSREASND') }} as vsreasnd,

        ---------- results
        {{ col_text(c, 'VSORRES') }} as vsorres,
        {{ col_text(c, 'VSORRESU') }} as vsorresu,
        {{ col_text(c, 'VSSTRESC') }} as vsstresc,
        {{ col_num(c, 'VSSTRESN') }} as vsstresn,
        {{ col_text(c, 'VSSTRESU') }} as vsstresu,
        {{ col_text(c, 'VSBLFL') }} as vsblfl,

        ---------- timing
        {{ col_num(c, 'VISITNUM') }} as visitnum,
        {{ col_text(c, 'VISIT') }} as visit,
        {{ col_num(c, 'VISITDY', 'integer') }} as visitdy,
        {{ dtc_columns(c, 'VSDTC', 'vs') }},
        {{ col_num(c, 'VSDY', 'integer') }} as vsdy,
        {{ col_text(c, 'VSTPT') }} as vstpt,
        {{ col_num(c, 'VSTPTNUM') }} as vstptnum,
        {{ col_text(c, 'VSELTM') }} as vseltm,
        {{ col_text(c, 'VSTPTREF') }} as vstptref,

        ---------- provenance
        {{ col_text(c, '_load_id') }} as _load_id

    from source

)

select * from renamed

{%- set c = source_columns('raw', 'dm') -%}

with

source as (

    select * from {{ source_or_empty('raw', 'dm') }}

),

renamed as (

    select
        ---------- identifiers
        {{ col_text(c, 'STUDYID') }} as studyid,
        {{ col_text(c, 'USUBJID') }} as usubjid,
        {{ col_text(c, 'SUBJID') }} as subjid,
        {{ col_text(c, 'SITEID') }} as siteid,
        {{ col_text(c, 'COUNTRY') }} as country,

        ---------- arms
        {{ col_text(c, 'ARMCD') }} as armcd,
        {{ col_text(c, 'ARM') }} as arm,
        {{ col_text(c, 'ACTARMCD') }} as actarmcd,
        {{ col_text(c, 'ACTARM') }} as actarm,

        ---------- demographics
        {{ col_num(c, 'AGE') }} as age,
        {{ col_text(c, 'AGEU') }} as ageu,
        {{ col_text(c, 'SEX') }} as sex,
        {{ col_text(c, 'RACE') }} as race,
        {{ col_text(c, 'ETHNIC') }} as ethnic,

        ---------- reference dates
        {{ dtc_columns(c, 'RFSTDTC', 'rfst') }},
        {{ dtc_columns(c, 'RFENDTC', 'rfen') }},
        {{ dtc_columns(c, 'RFXSTDTC', 'rfxst') }},
        {{ dtc_columns(c, 'RFXENDTC', 'rfxen') }},
        {{ dtc_columns(c, 'RFICDTC', 'rfic') }},
        {{ dtc_columns(c, 'RFPENDTC', 'rfpen') }},
        {{ dtc_columns(c, 'DMDTC', 'dm') }},
        {{ col_num(c, 'DMDY', 'integer') }} as dmdy,

        ---------- death
        {{ col_text(c, 'DTHFL') }} as dthfl,
        {{ dtc_columns(c, 'DTHDTC', 'dth') }},

        ---------- provenance
        {{ col_text(c, '_load_id') }} as _load_id

    from source

)

select * from renamed

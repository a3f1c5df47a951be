{%- set c = source_columns('raw', 'ae') -%}
{#- every QNAM of raw.suppae is a column; AETRTEM always is (fct_adverse_event reads it) -#}
{%- set qnams = supp_qnams('suppae', parent_columns=c, always=['AETRTEM']) -%}

with

source as (

    select * from {{ source_or_empty('raw', 'ae') }}

),

supp as (

    {{ supp_qualifiers('suppae', 'AESEQ', qnams) }}

),

renamed as (

    select
        ---------- identifiers
        {{ col_text(c, 'STUDYID') }} as studyid,
        {{ col_text(c, 'USUBJID') }} as usubjid,
        {{ col_num(c, 'AESEQ', 'integer') }} as aeseq,
        {{ col_text(c, 'AESPID') }} as aespid,

        ---------- terms and coding
        {{ col_text(c, 'AETERM') }} as aeterm,
        {{ col_text(c, 'AELLT') }} as aellt,
        {{ col_num(c, 'AELLTCD', 'bigint') }} as aelltcd,
        {{ col_text(c, 'AEDECOD') }} as aedecod,
        {{ col_num(c, 'AEPTCD', 'bigint') }} as aeptcd,
        {{ col_text(c, 'AEHLT') }} as aehlt,
        {{ col_num(c, 'AEHLTCD', 'bigint') }} as aehltcd,
        {{ col_text(c, 'AEHLGT') }} as aehlgt,
        {{ col_num(c, 'AEHLGTCD', 'bigint') }} as aehlgtcd,
        {{ col_text(c, 'AEBODSYS') }} as aebodsys,
        {{ col_num(c, 'AEBDSYCD', 'bigint') }} as aebdsycd,
        {{ col_text(c, 'AESOC') }} as aesoc,
        {{ col_num(c, 'AESOCCD', 'bigint') }} as aesoccd,

        ---------- severity, seriousness, causality, outcome
        {{ col_text(c, 'AESEV') }} as aesev,
        {{ col_text(c, 'AESER') }} as aeser,
        {{ col_text(c, 'AEACN') }} as aeacn,
        {{ col_text(c, 'AEREL') }} as aerel,
        {{ col_text(c, 'AEOUT') }} as aeout,
        {{ col_text(c, 'AESCAN') }} as aescan,
        {{ col_text(c, 'AESCONG') }} as aescong,
        {{ col_text(c, 'AESDISAB') }} as aesdisab,
        {{ col_text(c, 'AESDTH') }} as aesdth,
        {{ col_text(c, 'AESHOSP') }} as aeshosp,
        {{ col_text(c, 'AESLIFE') }} as aeslife,
        {{ col_text(c, 'AESOD') }} as aesod,

        ---------- timing
        {{ dtc_columns(c, 'AEDTC', 'ae') }},
        {{ dtc_columns(c, 'AESTDTC', 'aest') }},
        {{ dtc_columns(c, 'AEENDTC', 'aeen') }},
        {{ col_num(c, 'AESTDY', 'integer') }} as aestdy,
        {{ col_num(c, 'AEENDY', 'integer') }} as aeendy,

        ---------- provenance
        {{ col_text(c, '_load_id') }} as _load_id

    from source

),

with_supp as (

    select
        renamed.*

        ---------- supplemental qualifiers (SUPPAE): one column per QNAM
        {{ supp_columns(qnams) }}

    from renamed
    left join supp
        on  supp.studyid = renamed.studyid
        and supp.usubjid = renamed.usubjid
        and try_cast(supp.idvarval as double) = renamed.aeseq

)

select * from with_supp

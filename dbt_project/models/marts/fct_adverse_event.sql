with

ae as (

    select * from {{ ref('stg_ae') }}

),

dates as (

    select * from {{ ref('int_ae__analysis_dates') }}

),

emergence as (

    select * from {{ ref('int_ae__treatment_emergent') }}

),

dose as (

    select * from {{ ref('int_ae__dose_at_onset') }}

),

special as (

    select * from {{ ref('int_ae__special_interest') }}

),

subjects as (

    select studyid, usubjid, trt01a, trt01an, saffl from {{ ref('int_subject__treatment_arms') }}

),

severity as (

    select studyid, aesev, asevn from {{ ref('stg_config__ae_severity') }}

),

related as (

    select distinct studyid, upper(aerel) as aerel from {{ ref('stg_config__ae_related') }}

),

final as (

    select
        ---------- keys
        ae.studyid,
        ae.usubjid,
        ae.aeseq,

        ---------- treatment
        subjects.trt01a,
        cast(subjects.trt01an as integer) as trt01an,
        subjects.saffl,

        ---------- terms
        ae.aeterm,
        ae.aedecod,
        ae.aebodsys,

        ---------- severity, seriousness, causality, outcome
        ae.aesev,
        cast(severity.asevn as integer) as asevn,
        ae.aeser,
        ae.aerel,
        case when related.aerel is not null then 'Y' else 'N' end as relfl,
        ae.aeout,
        ae.aeacn,
        ae.aesdth,
        ae.aetrtem,

        ---------- dates
        ae.aestdtc,
        dates.astdt,
        dates.astdtf,
        ae.aeendtc,
        dates.aendt,
        dates.aendtf,
        emergence.astdy,
        emergence.aendy,
        emergence.adurn,

        ---------- treatment emergence and exposure at onset
        emergence.trtemfl,
        dose.dosenum,
        dose.last_dose_dt,
        dose.days_since_dose,
        dose.last_dose_dtm,
        dose.hours_since_dose,
        dose.dose_onset_precision,

        ---------- special interest
        special.aesifl,
        special.aesi_cat

    from ae
    left join dates
        on dates.studyid = ae.studyid and dates.usubjid = ae.usubjid and dates.aeseq = ae.aeseq
    left join emergence
        on emergence.studyid = ae.studyid and emergence.usubjid = ae.usubjid and emergence.aeseq = ae.aeseq
    left join dose
        on dose.studyid = ae.studyid and dose.usubjid = ae.usubjid and dose.aeseq = ae.aeseq
    left join special
        on special.studyid = ae.studyid and special.usubjid = ae.usubjid and special.aeseq = ae.aeseq
    left join subjects
        on subjects.studyid = ae.studyid and subjects.usubjid = ae.usubjid
    left join severity
        on severity.studyid = ae.studyid and upper(severity.aesev) = upper(ae.aesev)
    left join related
        on related.studyid = ae.studyid and related.aerel = upper(ae.aerel)

)

select * from final

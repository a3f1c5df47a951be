-- First and last dose per subject.
-- First dose: SVSTDTC of the visit named by the setting first_dose_visit (the first EX start
-- when the study names no such visit). Last dose: the latest EXENDTC of the subject's exposure.

with

subjects as (

    select studyid, usubjid from {{ ref('stg_dm') }}

),

study as (

    select studyid, first_dose_visit from {{ ref('stg_config__study') }}

),

first_dose_visit as (

    select
        sv.studyid,
        sv.usubjid,
        min(sv.svstdt) as first_dose_visit_dt
    from {{ ref('stg_sv') }} as sv
    inner join study
        on  study.studyid = sv.studyid
        and upper(sv.visit) = upper(study.first_dose_visit)
    group by 1, 2

),

exposure as (

    select
        studyid,
        usubjid,
        min(exstdt) as first_exstdt,
        max(exendt) as last_exendt,
        count(*) as n_exposure_records
    from {{ ref('stg_ex') }}
    group by 1, 2

),

joined as (

    select
        subjects.studyid,
        subjects.usubjid,
        case
            when study.first_dose_visit is not null then first_dose_visit.first_dose_visit_dt
            else exposure.first_exstdt
        end as trtsdt,
        exposure.last_exendt as trtedt,
        exposure.first_exstdt,
        coalesce(exposure.n_exposure_records, 0) as n_exposure_records
    from subjects
    left join study on study.studyid = subjects.studyid
    left join first_dose_visit
        on  first_dose_visit.studyid = subjects.studyid
        and first_dose_visit.usubjid = subjects.usubjid
    left join exposure
        on  exposure.studyid = subjects.studyid
        and exposure.usubjid = subjects.usubjid

)

select * from joined

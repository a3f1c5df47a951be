-- Planned visits of every randomised subject (visit_schedule) and every visit any subject
-- actually attended (SV), so a missed planned visit is a row with attended = false.

with

schedule as (

    select * from {{ ref('stg_config__visit_schedule') }}

),

subjects as (

    select studyid, usubjid, randfl, trtsdt from {{ ref('int_subject__treatment_arms') }}

),

sv as (

    select * from {{ ref('stg_sv') }}

),

planned as (

    select
        subjects.studyid,
        subjects.usubjid,
        schedule.visitnum,
        schedule.visit,
        schedule.visitdy
    from subjects
    inner join schedule on schedule.studyid = subjects.studyid
    where subjects.randfl = 'Y'

),

visits as (

    select
        coalesce(sv.studyid, planned.studyid) as studyid,
        coalesce(sv.usubjid, planned.usubjid) as usubjid,
        coalesce(sv.visitnum, planned.visitnum) as visitnum,
        coalesce(sv.visit, planned.visit) as visit,
        coalesce(planned.visitdy, sv.visitdy) as visitdy,
        planned.visitnum is not null as planned,
        sv.svstdt,
        sv.usubjid is not null as attended
    from planned
    full outer join sv
        on  sv.studyid = planned.studyid
        and sv.usubjid = planned.usubjid
        and sv.visitnum = planned.visitnum

),

final as (

    select
        visits.studyid,
        visits.usubjid,
        visits.visitnum,
        visits.visit,
        visits.visitdy,
        visits.svstdt,
        {{ study_day('visits.svstdt', 'subjects.trtsdt') }} as ady,
        visits.attended,
        visits.planned,
        {{ study_day('visits.svstdt', 'subjects.trtsdt') }} - visits.visitdy as days_off_plan
    from visits
    left join subjects
        on  subjects.studyid = visits.studyid
        and subjects.usubjid = visits.usubjid

)

select * from final

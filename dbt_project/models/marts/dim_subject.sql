with

dm as (

    select * from {{ ref('stg_dm') }}

),

arms as (

    select * from {{ ref('int_subject__treatment_arms') }}

),

disposition as (

    select * from {{ ref('int_subject__disposition') }}

),

body as (

    select * from {{ ref('int_subject__baseline_body') }}

),

groups as (

    select * from {{ ref('int_subject__demographic_groups') }}

),

age_groups as (

    select * from {{ ref('stg_config__age_groups') }}

),

final as (

    select
        ---------- identifiers
        dm.studyid,
        dm.usubjid,
        dm.subjid,
        dm.siteid,

        ---------- arms
        dm.arm,
        dm.armcd,
        dm.actarm,
        dm.actarmcd,
        arms.trt01p,
        cast(arms.trt01pn as integer) as trt01pn,
        arms.trt01a,
        cast(arms.trt01an as integer) as trt01an,

        ---------- populations
        arms.randfl,
        arms.ittfl,
        arms.saffl,

        ---------- treatment dates
        arms.trtsdt,
        arms.trtedt,
        cast(arms.trtedt - arms.trtsdt + 1 as integer) as trtdurd,

        ---------- demographics
        dm.age,
        dm.ageu,
        age_groups.agegr1,
        cast(age_groups.agegr1n as integer) as agegr1n,
        dm.sex,
        dm.race,
        dm.ethnic,
        groups.racegr1,
        groups.racegr1n,
        dm.rficdt,

        ---------- disposition (randomised subjects)
        case when arms.randfl = 'Y' then disposition.eosstt end as eosstt,
        case when arms.randfl = 'Y' then disposition.dcsreas end as dcsreas,

        ---------- death
        dm.dthfl,
        dm.dthdt,

        ---------- baseline body measurements
        body.heightbl,
        body.weightbl,
        body.bmibl,
        groups.bmigr1,
        groups.bmigr1n

    from dm
    left join arms
        on  arms.studyid = dm.studyid
        and arms.usubjid = dm.usubjid
    left join disposition
        on  disposition.studyid = dm.studyid
        and disposition.usubjid = dm.usubjid
    left join body
        on  body.studyid = dm.studyid
        and body.usubjid = dm.usubjid
    left join groups
        on  groups.studyid = dm.studyid
        and groups.usubjid = dm.usubjid
    left join age_groups
        on  age_groups.studyid = dm.studyid
        and (age_groups.age_min is null or dm.age >= age_groups.age_min)
        and (age_groups.age_max is null or dm.age <= age_groups.age_max)

)

select * from final

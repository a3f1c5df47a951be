-- Populations and analysis arms per subject.
-- Randomised: ARMCD present and not listed in not_randomised. Safety: randomised with a first
-- dose date. The analysis arm is DM.ARM or DM.ACTARM per the setting analysis_arm_variable;
-- its display order comes from the configured arms.

with

dm as (

    select studyid, usubjid, arm, armcd, actarm, actarmcd from {{ ref('stg_dm') }}

),

study as (

    select studyid, analysis_arm_variable from {{ ref('stg_config__study') }}

),

arms as (

    select studyid, arm, arm_order from {{ ref('stg_config__arms') }}

),

not_randomised as (

    select distinct studyid, armcd from {{ ref('stg_config__not_randomised') }}

),

doses as (

    select studyid, usubjid, trtsdt, trtedt from {{ ref('int_subject__first_dose') }}

),

flagged as (

    select
        dm.studyid,
        dm.usubjid,
        dm.arm,
        dm.armcd,
        dm.actarm,
        dm.actarmcd,
        doses.trtsdt,
        doses.trtedt,
        case when dm.armcd is not null and not_randomised.armcd is null then 'Y' else 'N' end as randfl,
        case when study.analysis_arm_variable = 'ACTARM' then dm.actarm else dm.arm end as analysis_arm
    from dm
    left join study on study.studyid = dm.studyid
    left join not_randomised
        on  not_randomised.studyid = dm.studyid
        and not_randomised.armcd = dm.armcd
    left join doses
        on  doses.studyid = dm.studyid
        and doses.usubjid = dm.usubjid

),

final as (

    select
        flagged.studyid,
        flagged.usubjid,
        flagged.trtsdt,
        flagged.trtedt,
        flagged.randfl,
        flagged.randfl as ittfl,
        case when flagged.randfl = 'Y' and flagged.trtsdt is not null then 'Y' else 'N' end as saffl,
        case when flagged.randfl = 'Y' then flagged.arm end as trt01p,
        planned.arm_order as trt01pn,
        case when flagged.randfl = 'Y' then flagged.analysis_arm end as trt01a,
        actual.arm_order as trt01an
    from flagged
    left join arms as planned
        on  planned.studyid = flagged.studyid
        and planned.arm = flagged.arm
        and flagged.randfl = 'Y'
    left join arms as actual
        on  actual.studyid = flagged.studyid
        and actual.arm = flagged.analysis_arm
        and flagged.randfl = 'Y'

)

select * from final

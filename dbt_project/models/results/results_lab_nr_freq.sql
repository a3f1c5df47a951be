-- Normal-range categories during treatment (table 14-6.02): one record per subject and
-- parameter, the worst on-treatment record (fct_lab_result.anl_worst_ontrt_fl), counted by its
-- category (anrind). The denominator of an arm is the sum of its categories. ctrl_* carry the
-- control arm's counts of the same category for the report's Fisher test, which exists only
-- for an active arm when it or the control arm has a subject in the category.

with

subjects as (

    {{ results_subjects() }}

),

arms as (

    {{ results_big_n() }}

),

worst as (

    select
        lab.studyid,
        lab.usubjid,
        subjects.arm,
        lab.parcat1,
        lab.paramcd,
        lab.param,
        lab.anrind as category
    from {{ ref('fct_lab_result') }} as lab
    inner join subjects
        on  subjects.studyid = lab.studyid
        and subjects.usubjid = lab.usubjid
    where lab.anl_worst_ontrt_fl = 'Y'
      and lab.summfl = 'Y'

),

params as (

    select distinct studyid, parcat1, paramcd, param from worst

),

categories as (

    select distinct studyid, paramcd, category from worst

),

counts as (

    select studyid, paramcd, arm, category, cast(count(*) as integer) as n_subjects
    from worst
    group by studyid, paramcd, arm, category

),

grid as (

    select
        params.studyid,
        params.parcat1,
        params.paramcd,
        params.param,
        categories.category,
        arms.arm,
        arms.armn,
        arms.control,
        coalesce(counts.n_subjects, 0) as n_subjects
    from params
    inner join categories
        on  categories.studyid = params.studyid
        and categories.paramcd = params.paramcd
    inner join arms on arms.studyid = params.studyid
    left join counts
        on  counts.studyid = params.studyid
        and counts.paramcd = params.paramcd
        and counts.arm = arms.arm
        and counts.category = categories.category

),

with_totals as (

    select
        *,
        sum(n_subjects) over (partition by studyid, paramcd, arm) as n_evaluable
    from grid

),

with_control as (

    select
        *,
        max(case when control then n_subjects end) over (partition by studyid, paramcd, category) as ctrl_n_subjects,
        max(case when control then n_evaluable end) over (partition by studyid, paramcd, category) as ctrl_n_evaluable
    from with_totals

),

final as (

    select
        studyid,
        parcat1,
        paramcd,
        param,
        category,
        arm,
        armn,
        cast(n_evaluable as integer) as n_evaluable,
        n_subjects,
        cast(100.0 * n_subjects / nullif(n_evaluable, 0) as double) as pct,
        cast(ctrl_n_subjects as integer) as ctrl_n_subjects,
        cast(ctrl_n_evaluable as integer) as ctrl_n_evaluable,
        (not control and (n_subjects > 0 or ctrl_n_subjects > 0)) as compare_to_control
    from with_control

)

select * from final

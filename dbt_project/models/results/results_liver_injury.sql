-- Liver-injury screen (reports.t_liver_injury): subjects of the analysis population meeting each
-- criterion, of the subjects evaluable for it, per configured arm. Whether a subject meets a
-- criterion is the mart's flag (mart_liver_injury: alt_high_fl, ast_high_fl,
-- transaminase_high_fl, bili_high_fl, hyslaw_fl); evaluable means having the peak post-baseline
-- ratios the criterion needs. Labels carry the configured test codes and ULN factors. ctrl_*
-- carry the control arm's counts of the same criterion for the report's Fisher test.

with

subjects as (

    {{ results_subjects() }}

),

arms as (

    {{ results_big_n() }}

),

rules as (

    select
        studyid,
        liver_alt_testcd as alt,
        liver_ast_testcd as ast,
        liver_bili_testcd as bili,
        {{ format_factor('liver_transaminase_factor') }} as tf,
        {{ format_factor('liver_bilirubin_factor') }} as bf
    from {{ ref('stg_config__study') }}

),

criteria as (

    select studyid, 'alt' as criterion, 1 as criterion_order, alt || ' > ' || tf || ' x ULN' as label
    from rules
    union all
    select studyid, 'ast', 2, ast || ' > ' || tf || ' x ULN'
    from rules
    union all
    select studyid, 'altast', 3, alt || ' or ' || ast || ' > ' || tf || ' x ULN'
    from rules
    union all
    select studyid, 'bili', 4, 'Total bilirubin (' || bili || ') > ' || bf || ' x ULN'
    from rules
    union all
    select studyid, 'hyslaw', 5,
           'Potential Hy''s law (' || alt || ' or ' || ast || ' > ' || tf || ' x ULN and '
           || bili || ' > ' || bf || ' x ULN)'
    from rules

),

liver as (

    select
        liver.*,
        subjects.arm
    from {{ ref('mart_liver_injury') }} as liver
    inner join subjects
        on  subjects.studyid = liver.studyid
        and subjects.usubjid = liver.usubjid

),

judged as (

    select studyid, usubjid, arm, 'alt' as criterion,
           peak_alt_r2uln is not null as evaluable, alt_high_fl = 'Y' as met
    from liver
    union all
    select studyid, usubjid, arm, 'ast',
           peak_ast_r2uln is not null, ast_high_fl = 'Y'
    from liver
    union all
    select studyid, usubjid, arm, 'altast',
           peak_alt_r2uln is not null or peak_ast_r2uln is not null, transaminase_high_fl = 'Y'
    from liver
    union all
    select studyid, usubjid, arm, 'bili',
           peak_bili_r2uln is not null, bili_high_fl = 'Y'
    from liver
    union all
    select studyid, usubjid, arm, 'hyslaw',
           (peak_alt_r2uln is not null or peak_ast_r2uln is not null) and peak_bili_r2uln is not null,
           hyslaw_fl = 'Y'
    from liver

),

counts as (

    select
        studyid,
        criterion,
        arm,
        count(*) filter (where evaluable) as n_evaluable,
        count(*) filter (where evaluable and met) as n_subjects
    from judged
    group by studyid, criterion, arm

),

grid as (

    select
        criteria.studyid,
        criteria.criterion,
        criteria.label,
        criteria.criterion_order,
        arms.arm,
        arms.armn,
        arms.control,
        arms.big_n,
        coalesce(counts.n_evaluable, 0) as n_evaluable,
        coalesce(counts.n_subjects, 0) as n_subjects
    from criteria
    inner join arms on arms.studyid = criteria.studyid
    left join counts
        on  counts.studyid = criteria.studyid
        and counts.criterion = criteria.criterion
        and counts.arm = arms.arm

),

final as (

    select
        studyid,
        criterion,
        label,
        cast(criterion_order as integer) as criterion_order,
        arm,
        armn,
        big_n,
        cast(n_evaluable as integer) as n_evaluable,
        cast(n_subjects as integer) as n_subjects,
        cast(100.0 * n_subjects / nullif(n_evaluable, 0) as double) as pct,
        cast(max(case when control then n_subjects end)
             over (partition by studyid, criterion) as integer) as ctrl_n_subjects,
        cast(max(case when control then n_evaluable end)
             over (partition by studyid, criterion) as integer) as ctrl_n_evaluable,
        not control as compare_to_control
    from grid

)

select * from final

{#-
    Shift of a lab category from baseline to each post-baseline analysis visit (normal-range and
    threshold shift tables), one row per study x parameter x post-baseline visit x arm x baseline
    category x post-baseline category, every configured arm and every category seen for the
    parameter present (zeros included).
    Records: population subjects' by-visit analysis records of fct_lab_result (summfl 'Y', an
    analysis visit, anl01fl 'Y'), at analysis visits after the baseline visit (the avisitn of the
    baseline-flagged records), End of Treatment included; a record without a post-baseline
    category is left out; a missing baseline category is its own row (baseline NULL).
    n: subjects; n_visit: subjects of the arm with a post-baseline category at that visit;
    pct: 100 x n / n_visit.
-#}
{% macro results_lab_shift(base_col, post_col) -%}

with

subjects as (

    {{ results_subjects() }}

),

arms as (

    {{ results_big_n() }}

),

analysis as (

    select
        lab.studyid,
        lab.usubjid,
        subjects.arm,
        lab.parcat1,
        lab.paramcd,
        lab.param,
        lab.avisit,
        lab.avisitn,
        lab.ablfl,
        lab.{{ base_col }} as baseline,
        lab.{{ post_col }} as post
    from {{ ref('fct_lab_result') }} as lab
    inner join subjects
        on  subjects.studyid = lab.studyid
        and subjects.usubjid = lab.usubjid
    where lab.summfl = 'Y'
      and lab.avisit is not null
      and lab.anl01fl = 'Y'

),

baseline_visit as (

    select studyid, mode(avisitn) as base_avisitn
    from analysis
    where ablfl = 'Y'
    group by studyid

),

records as (

    select analysis.*
    from analysis
    inner join baseline_visit
        on  baseline_visit.studyid = analysis.studyid
        and analysis.avisitn > baseline_visit.base_avisitn
    where analysis.post is not null

),

visits as (

    select distinct studyid, parcat1, paramcd, param, avisit, avisitn from records

),

baseline_categories as (

    select distinct studyid, paramcd, baseline from records

),

post_categories as (

    select distinct studyid, paramcd, post from records

),

counts as (

    select studyid, paramcd, avisitn, arm, baseline, post, cast(count(distinct usubjid) as integer) as n
    from records
    group by studyid, paramcd, avisitn, arm, baseline, post

),

totals as (

    select studyid, paramcd, avisitn, arm, cast(count(distinct usubjid) as integer) as n_visit
    from records
    group by studyid, paramcd, avisitn, arm

),

grid as (

    select
        visits.studyid,
        visits.parcat1,
        visits.paramcd,
        visits.param,
        visits.avisit,
        visits.avisitn,
        arms.arm,
        arms.armn,
        baseline_categories.baseline,
        post_categories.post
    from visits
    inner join arms on arms.studyid = visits.studyid
    inner join baseline_categories
        on  baseline_categories.studyid = visits.studyid
        and baseline_categories.paramcd = visits.paramcd
    inner join post_categories
        on  post_categories.studyid = visits.studyid
        and post_categories.paramcd = visits.paramcd

),

final as (

    select
        grid.studyid,
        grid.parcat1,
        grid.paramcd,
        grid.param,
        grid.avisit,
        cast(grid.avisitn as integer) as avisitn,
        grid.arm,
        grid.armn,
        grid.baseline,
        grid.post,
        coalesce(counts.n, 0) as n,
        coalesce(totals.n_visit, 0) as n_visit,
        cast(100.0 * coalesce(counts.n, 0) / nullif(totals.n_visit, 0) as double) as pct
    from grid
    left join counts
        on  counts.studyid = grid.studyid
        and counts.paramcd = grid.paramcd
        and counts.avisitn = grid.avisitn
        and counts.arm = grid.arm
        and counts.baseline is not distinct from grid.baseline
        and counts.post = grid.post
    left join totals
        on  totals.studyid = grid.studyid
        and totals.paramcd = grid.paramcd
        and totals.avisitn = grid.avisitn
        and totals.arm = grid.arm

)

select * from final

{%- endmacro %}

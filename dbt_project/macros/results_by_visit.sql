{#-
    Values and changes from baseline by analysis visit and arm (tables 14-6.01 and 14-7.01) of a
    findings fact (fct_lab_result, fct_vital_sign). Records: subjects of the analysis population
    (results_subjects), parameters in the by-visit summaries (summfl 'Y'), the analysis record of
    each subject, parameter and analysis visit (anl01fl 'Y', so only records with an analysis
    visit). `timepoint` adds the timepoint (atptn, atpt) to the parameter key.

    n counts every record at the visit, including records whose value is missing; n_obs and the
    other statistics use the non-missing values. visit_type is the fact's class of the analysis
    visit (avisit_type); the change statistics exist only at post-baseline visits, where chg_n is n.
    Per parameter (not per timepoint): the unit (the most frequent avalu of the records, the first
    in sort order on a tie) and the display decimals (the most decimal places any recorded value
    needs, at most 3).
-#}
{% macro results_by_visit(fact, timepoint=false) -%}
{%- set tp = ['atptn', 'atpt'] if timepoint else [] -%}
with

subjects as (

    {{ results_subjects() }}

),

records as (

    select
        facts.studyid,
        facts.parcat1,
        facts.paramcd,
        facts.param,
        {% for c in tp %}facts.{{ c }},
        {% endfor -%}
        facts.avalu,
        facts.avisitn,
        facts.avisit,
        facts.avisit_type,
        subjects.arm,
        subjects.armn,
        facts.aval,
        facts.chg
    from {{ fact }} as facts
    inner join subjects
        on  subjects.studyid = facts.studyid
        and subjects.usubjid = facts.usubjid
    where facts.summfl = 'Y'
      and facts.anl01fl = 'Y'
      and facts.avisit is not null

),

units as (

    select studyid, parcat1, paramcd, param, avalu
    from records
    where avalu is not null
    group by studyid, parcat1, paramcd, param, avalu
    qualify row_number() over (
        partition by studyid, parcat1, paramcd, param
        order by count(*) desc, avalu
    ) = 1

),

decimals as (

    select
        studyid,
        parcat1,
        paramcd,
        param,
        cast(coalesce(max(
            case
                when aval is null then null
                {%- for d in range(3) %}
                when abs(round(aval, {{ d }}) - aval) < 1e-9 * greatest(1.0, abs(aval)) then {{ d }}
                {%- endfor %}
                else 3
            end
        ), 0) as integer) as decimals
    from records
    group by studyid, parcat1, paramcd, param

),

summary as (

    select
        studyid,
        parcat1,
        paramcd,
        param,
        {% for c in tp %}{{ c }},
        {% endfor -%}
        avisitn,
        avisit,
        avisit_type,
        arm,
        armn,
        count(*) as n,
        count(aval) as n_obs,
        avg(aval) as mean,
        stddev_samp(aval) as sd,
        median(aval) as median,
        min(aval) as min,
        max(aval) as max,
        count(chg) as chg_n_obs,
        avg(chg) as chg_mean,
        stddev_samp(chg) as chg_sd,
        median(chg) as chg_median,
        min(chg) as chg_min,
        max(chg) as chg_max
    from records
    group by all

),

final as (

    select
        ---------- keys
        summary.studyid,
        summary.parcat1,
        summary.paramcd,
        summary.param,
        {% if timepoint -%}
        cast(summary.atptn as double) as atptn,
        summary.atpt,
        {% endif -%}
        units.avalu,
        cast(summary.avisitn as integer) as avisitn,
        summary.avisit,
        summary.avisit_type as visit_type,
        summary.arm,
        summary.armn,

        ---------- value
        cast(summary.n as integer) as n,
        cast(summary.n_obs as integer) as n_obs,
        cast(summary.mean as double) as mean,
        cast(summary.sd as double) as sd,
        cast(summary.sd / sqrt(nullif(summary.n_obs, 0)) as double) as se,
        cast(summary.median as double) as median,
        cast(summary.min as double) as min,
        cast(summary.max as double) as max,

        ---------- change from baseline (post-baseline visits only)
        {%- set post = "summary.avisit_type = 'post-baseline'" %}
        cast(case when {{ post }} then summary.n end as integer) as chg_n,
        cast(case when {{ post }} then summary.chg_n_obs end as integer) as chg_n_obs,
        cast(case when {{ post }} then summary.chg_mean end as double) as chg_mean,
        cast(case when {{ post }} then summary.chg_sd end as double) as chg_sd,
        cast(case when {{ post }} then summary.chg_sd / sqrt(nullif(summary.chg_n_obs, 0)) end as double) as chg_se,
        cast(case when {{ post }} then summary.chg_median end as double) as chg_median,
        cast(case when {{ post }} then summary.chg_min end as double) as chg_min,
        cast(case when {{ post }} then summary.chg_max end as double) as chg_max,

        ---------- display
        coalesce(decimals.decimals, 0) as decimals

    from summary
    left join units
        on  units.studyid = summary.studyid
        and units.parcat1 is not distinct from summary.parcat1
        and units.paramcd is not distinct from summary.paramcd
        and units.param is not distinct from summary.param
    left join decimals
        on  decimals.studyid = summary.studyid
        and decimals.parcat1 is not distinct from summary.parcat1
        and decimals.paramcd is not distinct from summary.paramcd
        and decimals.param is not distinct from summary.param

)

select * from final
{%- endmacro %}

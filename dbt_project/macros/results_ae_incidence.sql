{#-
    TEAE incidence by system organ class and preferred term (tables 14-5.01 and 14-5.02), one row
    per study x level x SOC x PT x arm, every configured arm present:
    - level 'overall' (soc and pt NULL; always present), 'soc' (pt NULL) and 'pt';
    - n_subjects: population subjects with at least one treatment-emergent AE (trtemfl 'Y') in the
      row, counted once; n_events: those AEs; pct: 100 x n_subjects / big_n (arm N);
    - ctrl_n_subjects / ctrl_big_n: the same row's control-arm counts, and compare_to_control:
      true for an active arm when the active or the control arm has a subject in the row. A
      p-value against control exists only then (with no subject in either arm there is nothing to
      test);
    - row_order: overall first, SOCs alphabetical, PTs within their SOC by descending n_subjects in
      the last configured arm, then alphabetical.
    where_events: extra condition on fct_adverse_event (e.g. "aeser = 'Y'"), or none.
    SOC / PT missing on an AE are shown as 'Not coded'.
-#}
{% macro results_ae_incidence(where_events=none) -%}

with

subjects as (

    {{ results_subjects() }}

),

big_n as (

    select *, max(armn) over (partition by studyid) as last_armn
    from ({{ results_big_n() }})

),

events as (

    select
        subjects.studyid,
        subjects.usubjid,
        subjects.arm,
        coalesce(ae.aebodsys, 'Not coded') as soc,
        coalesce(ae.aedecod, 'Not coded') as pt
    from {{ ref('fct_adverse_event') }} as ae
    inner join subjects
        on  subjects.studyid = ae.studyid
        and subjects.usubjid = ae.usubjid
    where ae.trtemfl = 'Y'
    {%- if where_events %}
      and ({{ where_events }})
    {%- endif %}

),

counted as (

    select
        studyid,
        case
            when grouping(soc) = 1 then 'overall'
            when grouping(pt) = 1 then 'soc'
            else 'pt'
        end as level,
        soc,
        pt,
        arm,
        cast(count(distinct usubjid) as integer) as n_subjects,
        cast(count(*) as integer) as n_events
    from events
    group by grouping sets ((studyid, arm), (studyid, arm, soc), (studyid, arm, soc, pt))

),

row_keys as (

    select distinct studyid, 'overall' as level, cast(null as varchar) as soc, cast(null as varchar) as pt
    from big_n
    union
    select distinct studyid, level, soc, pt from counted where level <> 'overall'

),

grid as (

    select
        row_keys.studyid,
        row_keys.level,
        row_keys.soc,
        row_keys.pt,
        big_n.arm,
        big_n.armn,
        big_n.control,
        big_n.big_n,
        big_n.last_armn,
        coalesce(counted.n_subjects, 0) as n_subjects,
        coalesce(counted.n_events, 0) as n_events
    from row_keys
    inner join big_n on big_n.studyid = row_keys.studyid
    left join counted
        on  counted.studyid = row_keys.studyid
        and counted.level = row_keys.level
        and counted.soc is not distinct from row_keys.soc
        and counted.pt is not distinct from row_keys.pt
        and counted.arm = big_n.arm

),

with_control as (

    select
        grid.*,
        max(case when control then n_subjects end) over w as ctrl_n_subjects,
        max(case when control then big_n end) over w as ctrl_big_n,
        max(case when armn = last_armn then n_subjects end) over w as last_arm_n_subjects
    from grid
    window w as (partition by studyid, level, soc, pt)

),

ordered as (

    select
        *,
        dense_rank() over (
            partition by studyid
            order by (level = 'overall') desc, soc, (level = 'pt'), last_arm_n_subjects desc, pt
        ) - 1 as row_order
    from with_control

),

final as (

    select
        studyid,
        level,
        soc,
        pt,
        arm,
        armn,
        big_n,
        n_subjects,
        cast(100.0 * n_subjects / nullif(big_n, 0) as double) as pct,
        n_events,
        cast(ctrl_n_subjects as integer) as ctrl_n_subjects,
        cast(ctrl_big_n as integer) as ctrl_big_n,
        (not control and (n_subjects > 0 or ctrl_n_subjects > 0)) as compare_to_control,
        cast(row_order as integer) as row_order
    from ordered

)

select * from final

{%- endmacro %}

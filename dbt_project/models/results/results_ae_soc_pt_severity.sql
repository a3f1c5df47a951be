-- TEAE by system organ class, preferred term and worst severity (reports.t_ae_soc_pt_severity).
-- Per row (overall, SOC, PT) x arm x severity grade: subjects counted once, at the worst severity
-- (highest asevn) of their TEAEs in that row; events of that severity. A TEAE without a severity
-- grade is grade 0 ('Missing'). Grades are the configured ae_severity grades and any other grade
-- seen; a grade without a subject in any arm is left out of a row, except the configured grades of
-- the overall row. Rows are in the order of results_ae_soc_pt.

with

big_n as (

    {{ results_big_n() }}

),

events as (

    select *, coalesce(asevn, 0) as sevn from ({{ results_ae_teae() }})

),

row_events as (

    select studyid, 'overall' as level, cast(null as varchar) as soc, cast(null as varchar) as pt,
           usubjid, arm, sevn, aesev
    from events
    union all
    select studyid, 'soc', soc, null, usubjid, arm, sevn, aesev from events
    union all
    select studyid, 'pt', soc, pt, usubjid, arm, sevn, aesev from events

),

worst as (

    select studyid, level, soc, pt, arm, usubjid, max(sevn) as sevn
    from row_events
    group by studyid, level, soc, pt, arm, usubjid

),

subjects_at_worst as (

    select studyid, level, soc, pt, arm, sevn, cast(count(*) as integer) as n_subjects
    from worst
    group by studyid, level, soc, pt, arm, sevn

),

events_by_grade as (

    select studyid, level, soc, pt, arm, sevn, cast(count(*) as integer) as n_events
    from row_events
    group by studyid, level, soc, pt, arm, sevn

),

configured as (

    select studyid, asevn as sevn, min({{ severity_label('aesev') }}) as severity, true as configured
    from {{ ref('stg_config__ae_severity') }}
    group by studyid, asevn

),

grades as (

    select * from configured
    union all
    select
        studyid,
        sevn,
        case when sevn = 0 or count(aesev) = 0 then 'Missing' else {{ severity_label('mode(aesev)') }} end,
        false
    from events
    where not exists (
        select 1 from configured where configured.studyid = events.studyid and configured.sevn = events.sevn
    )
    group by studyid, sevn

),

row_keys as (

    select distinct studyid, 'overall' as level, cast(null as varchar) as soc, cast(null as varchar) as pt
    from big_n
    union
    select distinct studyid, level, soc, pt from row_events where level <> 'overall'

),

row_order as (

    select distinct studyid, level, soc, pt, row_order from {{ ref('results_ae_soc_pt') }}

),

grid as (

    select
        row_keys.studyid,
        row_keys.level,
        row_keys.soc,
        row_keys.pt,
        grades.severity,
        grades.sevn,
        grades.configured,
        big_n.arm,
        big_n.armn,
        big_n.big_n,
        coalesce(subjects_at_worst.n_subjects, 0) as n_subjects,
        coalesce(events_by_grade.n_events, 0) as n_events
    from row_keys
    inner join big_n on big_n.studyid = row_keys.studyid
    inner join grades on grades.studyid = row_keys.studyid
    left join subjects_at_worst
        on  subjects_at_worst.studyid = row_keys.studyid
        and subjects_at_worst.level = row_keys.level
        and subjects_at_worst.soc is not distinct from row_keys.soc
        and subjects_at_worst.pt is not distinct from row_keys.pt
        and subjects_at_worst.arm = big_n.arm
        and subjects_at_worst.sevn = grades.sevn
    left join events_by_grade
        on  events_by_grade.studyid = row_keys.studyid
        and events_by_grade.level = row_keys.level
        and events_by_grade.soc is not distinct from row_keys.soc
        and events_by_grade.pt is not distinct from row_keys.pt
        and events_by_grade.arm = big_n.arm
        and events_by_grade.sevn = grades.sevn

),

kept as (

    select *
    from grid
    qualify sum(n_subjects) over (partition by studyid, level, soc, pt, sevn) > 0
         or (level = 'overall' and configured)

),

final as (

    select
        kept.studyid,
        kept.level,
        kept.soc,
        kept.pt,
        kept.severity,
        cast(kept.sevn as integer) as sevn,
        kept.arm,
        kept.armn,
        kept.big_n,
        kept.n_subjects,
        cast(100.0 * kept.n_subjects / nullif(kept.big_n, 0) as double) as pct,
        kept.n_events,
        cast(row_order.row_order as integer) as row_order
    from kept
    left join row_order
        on  row_order.studyid = kept.studyid
        and row_order.level = kept.level
        and row_order.soc is not distinct from kept.soc
        and row_order.pt is not distinct from kept.pt

)

select * from final

-- TEAE by time after dose (reports.t_ae_dose_window): subjects and events with a TEAE starting
-- within each configured window (ae_dose_windows) after a dose, per dose number and for any dose,
-- overall and by SOC and PT.
--   A TEAE is within a window of H hours after its dose at onset (fct_adverse_event dosenum: the
--   most recent dose started at or before onset) when 0 <= hours_since_dose < H. hours_since_dose
--   comes from the date-times when the AE start and the dose start both carry a time of day, else
--   from the dates ((onset date - dose date) x 24): see int_ae__dose_at_onset.
--   Dose k: TEAEs whose dose at onset is the subject's k-th; 'Any dose' (dosenum NULL): every dose.
--   The overall rows are present for every window x dose (each dose number some population TEAE has)
--   x arm; SOC and PT rows where some arm has such a TEAE.

with

big_n as (

    {{ results_big_n() }}

),

events as (

    select * from ({{ results_ae_teae() }}) where dosenum is not null

),

windows as (

    select
        studyid,
        label as window_label,
        hours as window_hours,
        cast(row_number() over (partition by studyid order by hours, label) as integer) as window_order
    from {{ ref('stg_config__ae_dose_windows') }}

),

doses as (

    select studyid, dosenum, cast(dense_rank() over (partition by studyid order by dosenum) as integer) as dose_order
    from (select distinct studyid, dosenum from events)
    union all
    select big_n.studyid, cast(null as integer), cast(count(distinct events.dosenum) + 1 as integer)
    from (select distinct studyid from big_n) as big_n
    left join events on events.studyid = big_n.studyid
    group by big_n.studyid

),

within as (

    select events.*, windows.window_label
    from events
    inner join windows
        on  windows.studyid = events.studyid
        and events.hours_since_dose >= 0
        and events.hours_since_dose < windows.window_hours

),

by_dose as (

    select studyid, window_label, dosenum, usubjid, arm, soc, pt, dose_onset_precision from within
    union all
    select studyid, window_label, cast(null as integer), usubjid, arm, soc, pt, dose_onset_precision from within

),

counted as (

    select
        studyid,
        window_label,
        dosenum,
        case
            when grouping(soc) = 1 then 'overall'
            when grouping(pt) = 1 then 'soc'
            else 'pt'
        end as level,
        soc,
        pt,
        arm,
        cast(count(distinct usubjid) as integer) as n_subjects,
        cast(count(*) as integer) as n_events,
        cast(count(*) filter (where dose_onset_precision = 'datetime') as integer) as n_events_datetime
    from by_dose
    group by grouping sets (
        (studyid, window_label, dosenum, arm),
        (studyid, window_label, dosenum, arm, soc),
        (studyid, window_label, dosenum, arm, soc, pt)
    )

),

row_keys as (

    select windows.studyid, windows.window_label, doses.dosenum, 'overall' as level,
           cast(null as varchar) as soc, cast(null as varchar) as pt
    from windows
    inner join doses on doses.studyid = windows.studyid
    union
    select distinct studyid, window_label, dosenum, level, soc, pt from counted where level <> 'overall'

),

row_order as (

    select distinct studyid, level, soc, pt, row_order from {{ ref('results_ae_soc_pt') }}

),

grid as (

    select
        row_keys.*,
        windows.window_hours,
        windows.window_order,
        doses.dose_order,
        big_n.arm,
        big_n.armn,
        big_n.control,
        big_n.big_n,
        coalesce(counted.n_subjects, 0) as n_subjects,
        coalesce(counted.n_events, 0) as n_events,
        coalesce(counted.n_events_datetime, 0) as n_events_datetime,
        row_order.row_order
    from row_keys
    inner join windows on windows.studyid = row_keys.studyid and windows.window_label = row_keys.window_label
    inner join doses on doses.studyid = row_keys.studyid and doses.dosenum is not distinct from row_keys.dosenum
    inner join big_n on big_n.studyid = row_keys.studyid
    left join counted
        on  counted.studyid = row_keys.studyid
        and counted.window_label = row_keys.window_label
        and counted.dosenum is not distinct from row_keys.dosenum
        and counted.level = row_keys.level
        and counted.soc is not distinct from row_keys.soc
        and counted.pt is not distinct from row_keys.pt
        and counted.arm = big_n.arm
    left join row_order
        on  row_order.studyid = row_keys.studyid
        and row_order.level = row_keys.level
        and row_order.soc is not distinct from row_keys.soc
        and row_order.pt is not distinct from row_keys.pt

),

final as (

    select
        studyid,
        window_label,
        cast(window_hours as double) as window_hours,
        window_order,
        cast(dosenum as integer) as dosenum,
        case when dosenum is null then 'Any dose' else 'Dose ' || dosenum end as dose_label,
        dose_order,
        level,
        soc,
        pt,
        cast(row_order as integer) as row_order,
        arm,
        armn,
        big_n,
        n_subjects,
        cast(100.0 * n_subjects / nullif(big_n, 0) as double) as pct,
        n_events,
        n_events_datetime,
        cast(max(case when control then n_subjects end) over w as integer) as ctrl_n_subjects,
        cast(max(case when control then big_n end) over w as integer) as ctrl_big_n,
        (not control and (n_subjects > 0 or max(case when control then n_subjects end) over w > 0))
            as compare_to_control
    from grid
    window w as (partition by studyid, window_label, dosenum, level, soc, pt)

)

select * from final

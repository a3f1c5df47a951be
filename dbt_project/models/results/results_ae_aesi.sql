-- Adverse events of special interest (reports.t_ae_aesi): per configured category x arm, the
-- analysis-population subjects with a TEAE of that category (counted once) and those events, with the
-- definition the category was configured with (its terms and onset windows) and the control arm's
-- counts for Fisher's test. Every configured category and arm has a row (0 when no subject).

with

big_n as (

    {{ results_big_n() }}

),

events as (

    {{ results_ae_teae() }}

),

matches as (

    select studyid, usubjid, aeseq, aesi_cat from {{ ref('int_ae__special_interest_matches') }}

),

definitions as (

    select
        studyid,
        aesi_cat,
        string_agg(
            upper(term) || case when lower(match_type) = 'pattern' then ' (pattern)' else '' end
            || case when window_hours is not null
                    then ', onset less than ' || {{ format_factor('window_hours') }} || ' h'
                         || case when window_hours >= 48 and window_hours % 24 = 0
                                 then ' (' || cast(cast(window_hours / 24 as integer) as varchar) || ' days)' else '' end
                         || ' after a dose'
                    else '' end,
            '; ' order by upper(term)
        ) as definition
    from {{ ref('stg_config__aesi') }}
    group by studyid, aesi_cat

),

counts as (

    select
        events.studyid,
        matches.aesi_cat,
        events.arm,
        count(distinct events.usubjid) as n_subjects,
        count(*) as n_events
    from events
    inner join matches
        on  matches.studyid = events.studyid
        and matches.usubjid = events.usubjid
        and matches.aeseq = events.aeseq
    group by events.studyid, matches.aesi_cat, events.arm

),

grid as (

    select
        definitions.studyid,
        definitions.aesi_cat,
        definitions.definition,
        big_n.arm,
        big_n.armn,
        big_n.control,
        big_n.big_n,
        coalesce(counts.n_subjects, 0) as n_subjects,
        coalesce(counts.n_events, 0) as n_events
    from definitions
    inner join big_n
        on big_n.studyid = definitions.studyid
    left join counts
        on  counts.studyid = definitions.studyid
        and counts.aesi_cat = definitions.aesi_cat
        and counts.arm = big_n.arm

),

final as (

    select
        studyid,
        aesi_cat,
        definition,
        cast(dense_rank() over (partition by studyid order by aesi_cat) as integer) as category_order,
        arm,
        cast(armn as integer) as armn,
        control,
        cast(big_n as integer) as big_n,
        cast(n_subjects as integer) as n_subjects,
        cast(100.0 * n_subjects / nullif(big_n, 0) as double) as pct,
        cast(n_events as integer) as n_events,
        cast(max(case when control then n_subjects end) over w as integer) as ctrl_n_subjects,
        cast(max(case when control then big_n end) over w as integer) as ctrl_big_n,
        (not control and (n_subjects + max(case when control then n_subjects end) over w) > 0) as compare_to_control
    from grid
    window w as (partition by studyid, aesi_cat)

)

select * from final

-- Overview of treatment-emergent adverse events (reports.t_ae_overview): subjects and events per
-- category x configured arm.
--   any TEAE; serious (aeser 'Y'); severe (asevn = the highest configured severity grade, labelled
--   from ae_severity); related (relfl 'Y'); leading to death (aesdth 'Y' or outcome FATAL);
--   leading to discontinuation: when the study's TEAEs record an action taken (AEACN), the TEAEs
--   whose action is reporting.ae_discontinuation_action (source 'AE'); else the population subjects
--   whose end-of-study reason (dim_subject dcsreas) is reporting.ae_discontinuation_reason
--   (source 'DS', subjects only: n_events NULL).

with

subjects as (

    {{ results_subjects() }}

),

big_n as (

    {{ results_big_n() }}

),

events as (

    {{ results_ae_teae() }}

),

rules as (

    select
        studyid,
        upper(ae_discontinuation_action) as action,
        upper(ae_discontinuation_reason) as reason
    from {{ ref('stg_config__reporting') }}

),

severe as (

    select
        studyid,
        max(asevn) as severe_asevn,
        arg_max({{ severity_label('aesev') }}, asevn) as severe_label
    from {{ ref('stg_config__ae_severity') }}
    group by studyid

),

action_recorded as (

    select studyid, bool_or(coalesce(trim(aeacn), '') <> '') as recorded
    from events
    group by studyid

),

categories as (

    select
        big_n.studyid,
        category,
        category_order,
        case category
            when 'severe' then coalesce(severe.severe_label, 'Severe') || ' TEAE'
            else label
        end as label,
        case
            when category <> 'discontinuation' then 'AE'
            when coalesce(action_recorded.recorded, false) then 'AE'
            else 'DS'
        end as source
    from (select distinct studyid from big_n) as big_n
    cross join (values
        ('any', 1, 'Any TEAE'),
        ('serious', 2, 'Serious TEAE'),
        ('severe', 3, null),
        ('related', 4, 'Related TEAE'),
        ('death', 5, 'TEAE leading to death'),
        ('discontinuation', 6, 'TEAE leading to discontinuation')
    ) as c (category, category_order, label)
    left join severe on severe.studyid = big_n.studyid
    left join action_recorded on action_recorded.studyid = big_n.studyid

),

flagged as (

    select events.studyid, events.usubjid, events.arm, categories.category
    from events
    inner join categories on categories.studyid = events.studyid and categories.source = 'AE'
    left join severe on severe.studyid = events.studyid
    left join rules on rules.studyid = events.studyid
    where case categories.category
        when 'any' then true
        when 'serious' then upper(events.aeser) = 'Y'
        when 'severe' then events.asevn = severe.severe_asevn
        when 'related' then upper(events.relfl) = 'Y'
        when 'death' then upper(events.aesdth) = 'Y' or upper(events.aeout) = 'FATAL'
        when 'discontinuation' then upper(events.aeacn) = rules.action
    end

),

counted_events as (

    select
        studyid,
        category,
        arm,
        cast(count(distinct usubjid) as integer) as n_subjects,
        cast(count(*) as integer) as n_events
    from flagged
    group by studyid, category, arm

),

counted_disposition as (

    select
        subjects.studyid,
        'discontinuation' as category,
        subjects.arm,
        cast(count(distinct subjects.usubjid) as integer) as n_subjects,
        cast(null as integer) as n_events
    from subjects
    inner join {{ ref('dim_subject') }} as dim
        on dim.studyid = subjects.studyid and dim.usubjid = subjects.usubjid
    inner join rules on rules.studyid = subjects.studyid
    inner join categories
        on  categories.studyid = subjects.studyid
        and categories.category = 'discontinuation'
        and categories.source = 'DS'
    where upper(dim.dcsreas) = rules.reason
    group by subjects.studyid, subjects.arm

),

counted as (

    select * from counted_events
    union all
    select * from counted_disposition

),

grid as (

    select
        categories.studyid,
        categories.category,
        categories.label,
        categories.category_order,
        categories.source,
        big_n.arm,
        big_n.armn,
        big_n.control,
        big_n.big_n,
        coalesce(counted.n_subjects, 0) as n_subjects,
        case when categories.source = 'AE' then coalesce(counted.n_events, 0) end as n_events
    from categories
    inner join big_n on big_n.studyid = categories.studyid
    left join counted
        on  counted.studyid = categories.studyid
        and counted.category = categories.category
        and counted.arm = big_n.arm

),

final as (

    select
        studyid,
        category,
        label,
        cast(category_order as integer) as category_order,
        arm,
        armn,
        big_n,
        n_subjects,
        cast(100.0 * n_subjects / nullif(big_n, 0) as double) as pct,
        cast(n_events as integer) as n_events,
        source,
        cast(max(case when control then n_subjects end) over w as integer) as ctrl_n_subjects,
        cast(max(case when control then big_n end) over w as integer) as ctrl_big_n,
        not control and (n_subjects + max(case when control then n_subjects end) over w) > 0 as compare_to_control
    from grid
    window w as (partition by studyid, category)

)

select * from final

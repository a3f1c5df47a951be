-- Demographic groups per subject from the study's recode tables: Race (Origin) (racegr1, the
-- first race_groups rule by priority whose non-empty RACE / ETHNIC conditions match) and the
-- baseline BMI group (bmigr1, bmi_from inclusive, bmi_below exclusive).

with

dm as (

    select studyid, usubjid, race, ethnic from {{ ref('stg_dm') }}

),

body as (

    select studyid, usubjid, bmibl from {{ ref('int_subject__baseline_body') }}

),

race_rules as (

    select studyid, racegr1, racegr1n, priority, race, ethnic from {{ ref('stg_config__race_groups') }}

),

bmi_groups as (

    select studyid, bmigr1, bmigr1n, bmi_from, bmi_below from {{ ref('stg_config__bmi_groups') }}

),

race as (

    select
        dm.studyid,
        dm.usubjid,
        race_rules.racegr1,
        race_rules.racegr1n
    from dm
    inner join race_rules
        on  race_rules.studyid = dm.studyid
        and (race_rules.race is null or upper(race_rules.race) = upper(dm.race))
        and (race_rules.ethnic is null or upper(race_rules.ethnic) = upper(dm.ethnic))
    qualify row_number() over (partition by dm.studyid, dm.usubjid order by race_rules.priority) = 1

),

final as (

    select
        dm.studyid,
        dm.usubjid,
        race.racegr1,
        cast(race.racegr1n as integer) as racegr1n,
        bmi_groups.bmigr1,
        cast(bmi_groups.bmigr1n as integer) as bmigr1n
    from dm
    left join race
        on  race.studyid = dm.studyid
        and race.usubjid = dm.usubjid
    left join body
        on  body.studyid = dm.studyid
        and body.usubjid = dm.usubjid
    left join bmi_groups
        on  bmi_groups.studyid = dm.studyid
        and body.bmibl is not null
        and (bmi_groups.bmi_from is null or body.bmibl >= bmi_groups.bmi_from)
        and (bmi_groups.bmi_below is null or body.bmibl < bmi_groups.bmi_below)

)

select * from final

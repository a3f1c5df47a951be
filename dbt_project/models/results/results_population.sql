-- The analysis population of every table: subjects of dim_subject whose configured population flag
-- (reporting.population_flag, e.g. saffl) is 'Y' and whose analysis arm is a configured arm. The
-- flag may be any of dim_subject's flag columns (names ending in "fl").

with

subject_flags as (

    unpivot (
        select studyid, usubjid, trt01a, columns('^[a-z0-9]+fl$') from {{ ref('dim_subject') }}
    )
    on columns('^[a-z0-9]+fl$')
    into name flag value flag_value

),

arms as (

    select * from {{ ref('stg_config__arms') }}

),

reporting as (

    select studyid, lower(population_flag) as population_flag from {{ ref('stg_config__reporting') }}

),

final as (

    select
        subject_flags.studyid,
        subject_flags.usubjid,
        arms.arm,
        cast(arms.arm_order as integer) as armn,
        arms.is_control as control
    from subject_flags
    inner join reporting
        on  reporting.studyid = subject_flags.studyid
        and reporting.population_flag = subject_flags.flag
    inner join arms
        on  arms.studyid = subject_flags.studyid
        and arms.arm = subject_flags.trt01a
    where subject_flags.flag_value = 'Y'

)

select * from final

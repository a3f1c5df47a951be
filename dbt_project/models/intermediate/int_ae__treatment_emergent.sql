-- Treatment emergence and study days of each adverse event.
-- TEAE: analysis start date on or after the first dose date (and, when the study sets
-- teae_max_days_after_last_dose, no later than that many days after the last dose).
-- An event without an analysis start date is not treatment emergent.

with

dates as (

    select * from {{ ref('int_ae__analysis_dates') }}

),

doses as (

    select studyid, usubjid, trtsdt, trtedt from {{ ref('int_subject__first_dose') }}

),

study as (

    select studyid, teae_max_days_after_last_dose from {{ ref('stg_config__study') }}

),

final as (

    select
        dates.studyid,
        dates.usubjid,
        dates.aeseq,
        dates.astdt,
        dates.aendt,
        doses.trtsdt,
        doses.trtedt,
        case
            when dates.astdt is not null
             and doses.trtsdt is not null
             and dates.astdt >= doses.trtsdt
             and (study.teae_max_days_after_last_dose is null
                  or doses.trtedt is null
                  or dates.astdt <= doses.trtedt + study.teae_max_days_after_last_dose)
            then 'Y' else 'N'
        end as trtemfl,
        {{ study_day('dates.astdt', 'doses.trtsdt') }} as astdy,
        {{ study_day('dates.aendt', 'doses.trtsdt') }} as aendy,
        cast(dates.aendt - dates.astdt + 1 as integer) as adurn
    from dates
    left join doses
        on  doses.studyid = dates.studyid
        and doses.usubjid = dates.usubjid
    left join study on study.studyid = dates.studyid

)

select * from final

-- The exposure record in effect at each adverse event's onset: among the subject's EX records
-- numbered in order of start (dosenum), the one most recently started on or before the
-- analysis start date. last_dose_dt is that record's start date.

with

dates as (

    select studyid, usubjid, aeseq, astdt from {{ ref('int_ae__analysis_dates') }}

),

exposure as (

    select
        studyid,
        usubjid,
        exstdt,
        cast(row_number() over (
            partition by studyid, usubjid
            order by exstdt, exseq
        ) as integer) as dosenum
    from {{ ref('stg_ex') }}
    where exstdt is not null

),

latest_start as (

    select
        dates.studyid,
        dates.usubjid,
        dates.aeseq,
        dates.astdt,
        exposure.dosenum,
        exposure.exstdt as last_dose_dt,
        row_number() over (
            partition by dates.studyid, dates.usubjid, dates.aeseq
            order by exposure.exstdt desc, exposure.dosenum desc
        ) as recency
    from dates
    left join exposure
        on  exposure.studyid = dates.studyid
        and exposure.usubjid = dates.usubjid
        and exposure.exstdt <= dates.astdt

),

final as (

    select
        studyid,
        usubjid,
        aeseq,
        dosenum,
        last_dose_dt,
        cast(astdt - last_dose_dt as integer) as days_since_dose
    from latest_start
    where recency = 1

)

select * from final

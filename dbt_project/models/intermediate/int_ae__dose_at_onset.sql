-- The exposure record in effect at each adverse event's onset: among the subject's EX records
-- numbered in order of start (dosenum), the one most recently started at or before onset.
--
-- Onset and dose start are compared as date-times when both AESTDTC and EXSTDTC carry a time of
-- day, else as dates (a dose started on the onset date counts as started at or before onset).
-- hours_since_dose is the time from that dose's start to onset:
--   precision 'datetime': (onset date-time - dose start date-time) in hours;
--   precision 'date':     (onset date - dose start date) x 24.
-- last_dose_dt is that record's start date, last_dose_dtm its start date-time (NULL without a time).

with

dates as (

    select studyid, usubjid, aeseq, astdt from {{ ref('int_ae__analysis_dates') }}

),

onset_time as (

    select studyid, usubjid, aeseq, aestdtm from {{ ref('stg_ae') }}

),

onset as (

    select
        dates.studyid,
        dates.usubjid,
        dates.aeseq,
        dates.astdt,
        -- a time of day only counts when it is the time of the analysis start date
        case when cast(onset_time.aestdtm as date) = dates.astdt then onset_time.aestdtm end as astdtm
    from dates
    left join onset_time
        on  onset_time.studyid = dates.studyid
        and onset_time.usubjid = dates.usubjid
        and onset_time.aeseq = dates.aeseq

),

exposure as (

    select
        studyid,
        usubjid,
        exstdt,
        exstdtm,
        cast(row_number() over (
            partition by studyid, usubjid
            order by exstdt, exstdtm nulls first, exseq
        ) as integer) as dosenum
    from {{ ref('stg_ex') }}
    where exstdt is not null

),

latest_start as (

    select
        onset.studyid,
        onset.usubjid,
        onset.aeseq,
        onset.astdt,
        onset.astdtm,
        exposure.dosenum,
        exposure.exstdt as last_dose_dt,
        exposure.exstdtm as last_dose_dtm,
        row_number() over (
            partition by onset.studyid, onset.usubjid, onset.aeseq
            order by exposure.dosenum desc
        ) as recency
    from onset
    left join exposure
        on  exposure.studyid = onset.studyid
        and exposure.usubjid = onset.usubjid
        and (
            exposure.exstdt < onset.astdt
            or (exposure.exstdt = onset.astdt
                and (onset.astdtm is null or exposure.exstdtm is null or exposure.exstdtm <= onset.astdtm))
        )

),

final as (

    select
        studyid,
        usubjid,
        aeseq,
        dosenum,
        last_dose_dt,
        last_dose_dtm,
        cast(astdt - last_dose_dt as integer) as days_since_dose,
        case
            when dosenum is null then null
            when astdtm is not null and last_dose_dtm is not null then 'datetime'
            else 'date'
        end as dose_onset_precision,
        cast(case
            when dosenum is null then null
            when astdtm is not null and last_dose_dtm is not null
                then epoch(astdtm) / 3600.0 - epoch(last_dose_dtm) / 3600.0
            else (astdt - last_dose_dt) * 24.0
        end as double) as hours_since_dose
    from latest_start
    where recency = 1

)

select * from final

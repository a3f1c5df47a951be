-- Adverse events of special interest, one row per event and matching category. An event matches a
-- category when its preferred term equals a configured term (match 'pt') or matches a configured
-- pattern (match 'pattern', LIKE syntax, case-insensitive), and, when the definition has a
-- window_hours, its onset is 0 to less than that many hours after the most recent dose started
-- (hours_since_dose of int_ae__dose_at_onset: from date-times when both carry a time, else from dates).

with

ae as (

    select studyid, usubjid, aeseq, aedecod from {{ ref('stg_ae') }}

),

dose as (

    select studyid, usubjid, aeseq, hours_since_dose from {{ ref('int_ae__dose_at_onset') }}

),

definitions as (

    select studyid, aesi_cat, lower(match_type) as match_type, term, window_hours
    from {{ ref('stg_config__aesi') }}

),

final as (

    select distinct
        ae.studyid,
        ae.usubjid,
        ae.aeseq,
        definitions.aesi_cat
    from ae
    inner join definitions
        on  definitions.studyid = ae.studyid
        and (
            (definitions.match_type = 'pt' and upper(ae.aedecod) = upper(definitions.term))
            or (definitions.match_type = 'pattern' and ae.aedecod ilike definitions.term)
        )
    left join dose
        on  dose.studyid = ae.studyid
        and dose.usubjid = ae.usubjid
        and dose.aeseq = ae.aeseq
    where definitions.window_hours is null
       or (dose.hours_since_dose >= 0 and dose.hours_since_dose < definitions.window_hours)

)

select * from final

-- A treatment-emergent event never starts before the first dose, and every event of a dosed
-- subject starting on or after it is treatment emergent unless a cut-off is configured.
{{ config(meta={'dagster': {'ref': {'name': 'fct_adverse_event'}}}) }}
select ae.studyid, ae.usubjid, ae.aeseq, ae.astdt, s.trtsdt, ae.trtemfl
from {{ ref('fct_adverse_event') }} as ae
inner join {{ ref('dim_subject') }} as s
    on s.studyid = ae.studyid and s.usubjid = ae.usubjid
inner join {{ ref('stg_config__study') }} as c on c.studyid = ae.studyid
where (ae.trtemfl = 'Y' and (ae.astdt is null or ae.astdt < s.trtsdt))
   or (ae.trtemfl = 'N' and ae.astdt >= s.trtsdt and c.teae_max_days_after_last_dose is null)

-- The numeric severity of an adverse event is the one the study codes for its AESEV
-- (study.yml `ae_severity`): an AESEV the study does not code has no asevn.
{{ config(meta={'dagster': {'ref': {'name': 'fct_adverse_event'}}}) }}
select ae.studyid, ae.usubjid, ae.aeseq, ae.aesev, ae.asevn, sev.asevn as configured_asevn
from {{ ref('fct_adverse_event') }} as ae
left join {{ ref('stg_config__ae_severity') }} as sev
    on sev.studyid = ae.studyid and sev.aesev = ae.aesev
where ae.aesev is not null
  and ae.asevn is distinct from cast(sev.asevn as integer)

-- End-of-Treatment lab copies come only from visits configured as End-of-Treatment
-- candidates, one per subject and parameter, labelled with the study's EOT visit.
{{ config(meta={'dagster': {'ref': {'name': 'fct_lab_result'}}}) }}
with eot as (
    select f.*, c.eot_avisit, c.eot_avisitn
    from {{ ref('fct_lab_result') }} as f
    inner join {{ ref('stg_config__study') }} as c on c.studyid = f.studyid
    where f.eotfl = 'Y'
)
select eot.studyid, eot.usubjid, eot.paramcd, eot.visitnum, 'not a candidate visit' as problem
from eot
left join {{ ref('stg_config__analysis_visits') }} as v
    on v.studyid = eot.studyid and upper(v.domain) = 'LB' and v.visitnum = eot.visitnum
where not coalesce(v.eot_candidate, false)
union all
select studyid, usubjid, paramcd, null, 'more than one copy'
from eot
group by studyid, usubjid, paramcd
having count(*) > 1
union all
select studyid, usubjid, paramcd, visitnum, 'wrong label'
from eot
where avisit is distinct from eot_avisit or avisitn is distinct from eot_avisitn

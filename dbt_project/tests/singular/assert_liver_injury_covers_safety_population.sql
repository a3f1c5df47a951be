-- mart_liver_injury has one row for every safety-population subject and no one else.
{{ config(meta={'dagster': {'ref': {'name': 'mart_liver_injury'}}}) }}
select coalesce(s.studyid, l.studyid) as studyid, coalesce(s.usubjid, l.usubjid) as usubjid
from (select studyid, usubjid from {{ ref('dim_subject') }} where saffl = 'Y') as s
full outer join {{ ref('mart_liver_injury') }} as l
    on l.studyid = s.studyid and l.usubjid = s.usubjid
where s.usubjid is null or l.usubjid is null

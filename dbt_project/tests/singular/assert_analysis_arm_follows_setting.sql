-- The analysis arm of every randomised subject is the DM variable named by the study's
-- analysis_arm_variable (ARM in the pilot, where ACTARM differs for some subjects).
{{ config(meta={'dagster': {'ref': {'name': 'dim_subject'}}}) }}
select s.studyid, s.usubjid, s.arm, s.actarm, s.trt01a, c.analysis_arm_variable
from {{ ref('dim_subject') }} as s
inner join {{ ref('stg_config__study') }} as c on c.studyid = s.studyid
where s.randfl = 'Y'
  and s.trt01a is distinct from case c.analysis_arm_variable when 'ACTARM' then s.actarm else s.arm end

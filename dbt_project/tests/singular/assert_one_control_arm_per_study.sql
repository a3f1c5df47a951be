{{ config(tags=["config_table"]) }}
-- Each study configures exactly one control arm.
select studyid, count(*) filter (where is_control) as n_control
from {{ ref('stg_config__arms') }}
group by studyid
having count(*) filter (where is_control) <> 1

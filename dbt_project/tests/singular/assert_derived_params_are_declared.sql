-- Every derived lab parameter is declared in the study's derived_params, and vice versa
-- every declared parameter was derived for some subject when its denominator was collected.
{{ config(meta={'dagster': {'ref': {'name': 'fct_lab_result'}}}) }}
select f.studyid, f.paramcd, 'not declared' as problem
from (select distinct studyid, paramcd from {{ ref('fct_lab_result') }} where dtype = 'DERIVED') as f
left join {{ ref('stg_config__derived_params') }} as p
    on p.studyid = f.studyid and p.paramcd = f.paramcd
where p.paramcd is null
union all
select p.studyid, p.paramcd, 'declared but never derived'
from {{ ref('stg_config__derived_params') }} as p
where exists (select 1 from {{ ref('stg_lb') }} as lb
              where lb.studyid = p.studyid and lb.lbtestcd = p.denominator)
  and not exists (select 1 from {{ ref('fct_lab_result') }} as f
                  where f.studyid = p.studyid and f.paramcd = p.paramcd and f.dtype = 'DERIVED')

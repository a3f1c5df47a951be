-- Lab baseline records are exactly the LBBLFL = 'Y' source records, and base equals their value.
{{ config(meta={'dagster': {'ref': {'name': 'fct_lab_result'}}}) }}
with flagged as (
    select studyid, usubjid, lbseq from {{ ref('stg_lb') }} where lbblfl = 'Y'
),
baseline as (
    select studyid, usubjid, lbseq, aval, base
    from {{ ref('fct_lab_result') }}
    where ablfl = 'Y' and dtype is null
)
select coalesce(f.studyid, b.studyid) as studyid, coalesce(f.usubjid, b.usubjid) as usubjid,
       coalesce(f.lbseq, b.lbseq) as lbseq
from flagged as f
full outer join baseline as b
    on b.studyid = f.studyid and b.usubjid = f.usubjid and b.lbseq = f.lbseq
where f.lbseq is null or b.lbseq is null or b.aval is distinct from b.base

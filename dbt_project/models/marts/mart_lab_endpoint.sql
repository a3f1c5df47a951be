-- Post-baseline: fct_lab_result.postblfl (after the first-dose day), End-of-Treatment copies
-- excluded. On treatment: post-baseline and on or before the last dose date.

with

subjects as (

    select studyid, usubjid, trt01a, trt01an, trtedt
    from {{ ref('dim_subject') }}
    where saffl = 'Y'

),

labs as (

    select labs.*, subjects.trtedt
    from {{ ref('fct_lab_result') }} as labs
    inner join subjects
        on  subjects.studyid = labs.studyid
        and subjects.usubjid = labs.usubjid

),

nrind_codes as (

    select studyid, code, nrind_rank from {{ ref('stg_config__nrind_codes') }}

),

post_baseline as (

    select
        labs.*,
        nrind_codes.nrind_rank,
        labs.trtedt is null or labs.adt <= labs.trtedt as on_treatment
    from labs
    left join nrind_codes
        on  nrind_codes.studyid = labs.studyid
        and nrind_codes.code = labs.anrind
    where labs.eotfl = 'N'
      and labs.postblfl = 'Y'

),

post_summary as (

    select
        studyid,
        usubjid,
        paramcd,
        cast(count(aval) as integer) as n_postbl,
        max(aval) as max_postbl,
        min(aval) as min_postbl,
        max(r2uln) as peak_r2uln,
        arg_max(anrind, nrind_rank) filter (where anrind is not null) as worst_anrind,
        arg_max(aval, adt) filter (where on_treatment and aval is not null) as last_ontrt_aval
    from post_baseline
    group by 1, 2, 3

),

parameters as (

    select
        studyid,
        usubjid,
        paramcd,
        arg_max(param, adt) as param,
        arg_max(parcat1, adt) as parcat1,
        max(base) as base,
        max(bnrind) as bnrind,
        max(aval) filter (where eotfl = 'Y') as eot_aval
    from labs
    group by 1, 2, 3

),

final as (

    select
        subjects.studyid,
        subjects.usubjid,
        subjects.trt01a,
        cast(subjects.trt01an as integer) as trt01an,
        parameters.paramcd,
        parameters.param,
        parameters.parcat1,
        parameters.base,
        parameters.bnrind,
        post_summary.last_ontrt_aval,
        parameters.eot_aval,
        post_summary.max_postbl,
        post_summary.min_postbl,
        coalesce(post_summary.n_postbl, 0) as n_postbl,
        post_summary.worst_anrind,
        case when parameters.bnrind is not null and post_summary.worst_anrind is not null
             then parameters.bnrind || '->' || post_summary.worst_anrind end as shift_nrind,
        post_summary.peak_r2uln
    from parameters
    inner join subjects
        on  subjects.studyid = parameters.studyid
        and subjects.usubjid = parameters.usubjid
    left join post_summary
        on  post_summary.studyid = parameters.studyid
        and post_summary.usubjid = parameters.usubjid
        and post_summary.paramcd = parameters.paramcd

)

select * from final

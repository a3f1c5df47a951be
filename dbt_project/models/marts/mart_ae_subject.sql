with

teae as (

    select *
    from {{ ref('fct_adverse_event') }}
    where trtemfl = 'Y'
      and saffl = 'Y'

),

final as (

    select
        studyid,
        usubjid,
        trt01a,
        trt01an,
        aebodsys,
        aedecod,
        cast(count(*) as integer) as n_events,
        arg_max(aesev, asevn) as worst_sev,
        cast(max(asevn) as integer) as worst_sevn,
        case when bool_or(aeser = 'Y') then 'Y' else 'N' end as any_serious,
        case when bool_or(relfl = 'Y') then 'Y' else 'N' end as any_related,
        min(astdy) as first_onset_day
    from teae
    group by studyid, usubjid, trt01a, trt01an, aebodsys, aedecod

)

select * from final

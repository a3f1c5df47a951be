-- End-of-study status per subject from the configured DS disposition category: COMPLETED when
-- the (latest) disposition record is the configured completion term, else DISCONTINUED with
-- the reason. Subjects without such a record have no status.

with

ds as (

    select * from {{ ref('stg_ds') }}

),

study as (

    select studyid, ds_disposition_category, ds_completed_decod from {{ ref('stg_config__study') }}

),

disposition as (

    select
        ds.studyid,
        ds.usubjid,
        ds.dsdecod,
        ds.dsstdt,
        upper(ds.dsdecod) = upper(study.ds_completed_decod) as is_completed
    from ds
    inner join study
        on  study.studyid = ds.studyid
        and upper(ds.dscat) = upper(study.ds_disposition_category)
    qualify row_number() over (
        partition by ds.studyid, ds.usubjid
        order by ds.dsstdt desc nulls last, ds.dsseq desc
    ) = 1

),

final as (

    select
        studyid,
        usubjid,
        case when is_completed then 'COMPLETED' else 'DISCONTINUED' end as eosstt,
        case when not is_completed then dsdecod end as dcsreas,
        dsstdt as eosdt
    from disposition

)

select * from final

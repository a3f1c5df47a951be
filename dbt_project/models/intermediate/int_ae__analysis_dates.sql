-- Analysis start and end dates of each adverse event with the study's partial-date
-- imputation rules (ae_rules.start_date_imputation / end_date_imputation).

with

ae as (

    select
        studyid, usubjid, aeseq,
        aestdtc, aestdtc_precision,
        aeendtc, aeendtc_precision
    from {{ ref('stg_ae') }}

),

study as (

    select studyid, ae_start_date_imputation, ae_end_date_imputation
    from {{ ref('stg_config__study') }}

),

imputed as (

    select
        ae.studyid,
        ae.usubjid,
        ae.aeseq,
        ae.aestdtc,
        ae.aestdtc_precision,
        {{ impute_date('ae.aestdtc', 'ae.aestdtc_precision', 'study.ae_start_date_imputation', 'first') }} as astdt,
        {{ impute_date_flag('ae.aestdtc_precision', 'study.ae_start_date_imputation') }} as astdtf,
        ae.aeendtc,
        ae.aeendtc_precision,
        {{ impute_date('ae.aeendtc', 'ae.aeendtc_precision', 'study.ae_end_date_imputation', 'last') }} as aendt,
        {{ impute_date_flag('ae.aeendtc_precision', 'study.ae_end_date_imputation') }} as aendtf
    from ae
    left join study on study.studyid = ae.studyid

)

select * from imputed

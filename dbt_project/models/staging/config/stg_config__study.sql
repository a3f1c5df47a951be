{#-
    One row per study: the top-level values and every single-mapping section of study.yml, renamed
    and cast. The values were validated and their defaults filled in before they were published
    (safety_warehouse/study_model.py), so nothing is defaulted here.
-#}
{%- set cs = source_columns('raw', 'cfg_study') -%}
{%- set st = source_columns('raw', 'cfg_settings') -%}
{%- set sr = source_columns('raw', 'cfg_subject_rules') -%}
{%- set ar = source_columns('raw', 'cfg_ae_rules') -%}
{%- set li = source_columns('raw', 'cfg_liver_injury') -%}

with

study as (

    select
        {{ col_text(cs, 'study') }} as study,
        {{ col_text(cs, 'studyid') }} as studyid,
        {{ col_text(cs, 'title') }} as title,
        {{ col_text(cs, 'config_sha256') }} as config_sha256
    from {{ source_or_empty('raw', 'cfg_study') }}

),

settings as (

    select
        {{ col_text(st, 'study') }} as study,

        ---------- populations and arms
        {{ col_text(st, 'analysis_arm_variable') }} as analysis_arm_variable,
        {{ col_text(st, 'first_dose_visit') }} as first_dose_visit,

        ---------- statistics
        {{ col_cast(st, 'alpha', 'double') }} as alpha,
        {{ col_text(st, 'lab_test') }} as lab_test,
        {{ col_text(st, 'vs_test') }} as vs_test,

        ---------- findings
        {{ col_cast(st, 'lab_threshold_low_factor', 'double') }} as lab_threshold_low_factor,
        {{ col_cast(st, 'lab_threshold_high_factor', 'double') }} as lab_threshold_high_factor,
        {{ col_text(st, 'eot_avisit') }} as eot_avisit,
        {{ col_cast(st, 'eot_avisitn', 'integer') }} as eot_avisitn,
        {{ col_cast(st, 'lab_worst_ontrt_avisitn_from', 'integer') }} as lab_worst_ontrt_avisitn_from,
        {{ col_cast(st, 'lab_worst_ontrt_avisitn_to', 'integer') }} as lab_worst_ontrt_avisitn_to,
        {{ col_cast(st, 'lab_worst_ontrt_uln_factor', 'double') }} as lab_worst_ontrt_uln_factor,
        {{ col_cast(st, 'lab_worst_ontrt_lln_factor', 'double') }} as lab_worst_ontrt_lln_factor
    from {{ source_or_empty('raw', 'cfg_settings') }}

),

subject_rules as (

    select
        {{ col_text(sr, 'study') }} as study,
        {{ col_text(sr, 'ds_disposition_category') }} as ds_disposition_category,
        {{ col_text(sr, 'ds_completed_decod') }} as ds_completed_decod,
        {{ col_text(sr, 'height_testcd') }} as height_testcd,
        {{ col_text(sr, 'weight_testcd') }} as weight_testcd,
        {{ col_cast(sr, 'height_visitnum', 'double') }} as height_visitnum,
        {{ col_cast(sr, 'weight_visitnum', 'double') }} as weight_visitnum,
        {{ col_cast(sr, 'body_decimals', 'integer') }} as body_decimals
    from {{ source_or_empty('raw', 'cfg_subject_rules') }}

),

ae_rules as (

    select
        {{ col_text(ar, 'study') }} as study,
        {{ col_text(ar, 'start_date_imputation') }} as ae_start_date_imputation,
        {{ col_text(ar, 'end_date_imputation') }} as ae_end_date_imputation,
        {{ col_cast(ar, 'teae_max_days_after_last_dose', 'integer') }} as teae_max_days_after_last_dose
    from {{ source_or_empty('raw', 'cfg_ae_rules') }}

),

liver_injury as (

    select
        {{ col_text(li, 'study') }} as study,
        {{ col_text(li, 'alt_testcd') }} as liver_alt_testcd,
        {{ col_text(li, 'ast_testcd') }} as liver_ast_testcd,
        {{ col_text(li, 'bili_testcd') }} as liver_bili_testcd,
        {{ col_cast(li, 'transaminase_factor', 'double') }} as liver_transaminase_factor,
        {{ col_cast(li, 'bilirubin_factor', 'double') }} as liver_bilirubin_factor
    from {{ source_or_empty('raw', 'cfg_liver_injury') }}

),

joined as (

    select
        study.study,
        study.studyid,
        study.title,
        study.config_sha256,
        settings.* exclude (study),
        subject_rules.* exclude (study),
        ae_rules.* exclude (study),
        liver_injury.* exclude (study)
    from study
    left join settings on settings.study = study.study
    left join subject_rules on subject_rules.study = study.study
    left join ae_rules on ae_rules.study = study.study
    left join liver_injury on liver_injury.study = study.study

)

select * from joined

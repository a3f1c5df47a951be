with

subjects as (

    select studyid, usubjid, trt01a, trt01an
    from {{ ref('dim_subject') }}
    where saffl = 'Y'

),

rules as (

    select
        studyid,
        liver_alt_testcd,
        liver_ast_testcd,
        liver_bili_testcd,
        liver_transaminase_factor,
        liver_bilirubin_factor
    from {{ ref('stg_config__study') }}

),

endpoints as (

    select studyid, usubjid, paramcd, peak_r2uln from {{ ref('mart_lab_endpoint') }}

),

peaks as (

    select
        subjects.studyid,
        subjects.usubjid,
        subjects.trt01a,
        subjects.trt01an,
        rules.liver_transaminase_factor,
        rules.liver_bilirubin_factor,
        max(endpoints.peak_r2uln) filter (where endpoints.paramcd = rules.liver_alt_testcd) as peak_alt_r2uln,
        max(endpoints.peak_r2uln) filter (where endpoints.paramcd = rules.liver_ast_testcd) as peak_ast_r2uln,
        max(endpoints.peak_r2uln) filter (where endpoints.paramcd = rules.liver_bili_testcd) as peak_bili_r2uln
    from subjects
    left join rules on rules.studyid = subjects.studyid
    left join endpoints
        on  endpoints.studyid = subjects.studyid
        and endpoints.usubjid = subjects.usubjid
    group by 1, 2, 3, 4, 5, 6

),

flagged as (

    select
        *,
        coalesce(peak_alt_r2uln > liver_transaminase_factor, false) as is_alt_high,
        coalesce(peak_ast_r2uln > liver_transaminase_factor, false) as is_ast_high,
        coalesce(peak_alt_r2uln > liver_transaminase_factor
                 or peak_ast_r2uln > liver_transaminase_factor, false) as is_transaminase_high,
        coalesce(peak_bili_r2uln > liver_bilirubin_factor, false) as is_bili_high
    from peaks

),

final as (

    select
        studyid,
        usubjid,
        trt01a,
        cast(trt01an as integer) as trt01an,
        peak_alt_r2uln,
        peak_ast_r2uln,
        peak_bili_r2uln,
        case when is_alt_high then 'Y' else 'N' end as alt_high_fl,
        case when is_ast_high then 'Y' else 'N' end as ast_high_fl,
        case when is_transaminase_high then 'Y' else 'N' end as transaminase_high_fl,
        case when is_bili_high then 'Y' else 'N' end as bili_high_fl,
        case when is_transaminase_high and is_bili_high then 'Y' else 'N' end as hyslaw_fl,
        liver_transaminase_factor,
        liver_bilirubin_factor
    from flagged

)

select * from final

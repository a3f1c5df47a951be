-- Baseline height, weight and BMI per subject from the vital-sign tests named in
-- subject_rules. The baseline-flagged record is used when there is one, otherwise the last
-- non-missing value on or before the first dose date.

with

vs as (

    select studyid, usubjid, vstestcd, vsstresn, vsblfl, vsdt, vsseq
    from {{ ref('stg_vs') }}
    where vsstresn is not null

),

study as (

    select studyid, height_testcd, weight_testcd from {{ ref('stg_config__study') }}

),

doses as (

    select studyid, usubjid, trtsdt from {{ ref('int_subject__first_dose') }}

),

candidates as (

    select
        vs.studyid,
        vs.usubjid,
        case
            when vs.vstestcd = study.height_testcd then 'height'
            when vs.vstestcd = study.weight_testcd then 'weight'
        end as measure,
        vs.vsstresn,
        vs.vsblfl,
        vs.vsdt,
        vs.vsseq,
        doses.trtsdt
    from vs
    inner join study on study.studyid = vs.studyid
    left join doses on doses.studyid = vs.studyid and doses.usubjid = vs.usubjid
    where vs.vstestcd in (study.height_testcd, study.weight_testcd)
      and (vs.vsblfl = 'Y' or doses.trtsdt is null or vs.vsdt <= doses.trtsdt)

),

chosen as (

    select *
    from candidates
    qualify row_number() over (
        partition by studyid, usubjid, measure
        order by (vsblfl = 'Y') desc nulls last, vsdt desc nulls last, vsseq desc
    ) = 1

),

pivoted as (

    select
        studyid,
        usubjid,
        max(vsstresn) filter (where measure = 'height') as heightbl,
        max(vsstresn) filter (where measure = 'weight') as weightbl
    from chosen
    group by 1, 2

),

final as (

    select
        studyid,
        usubjid,
        heightbl,
        weightbl,
        case when heightbl > 0 then weightbl / ((heightbl / 100.0) * (heightbl / 100.0)) end as bmibl
    from pivoted

)

select * from final

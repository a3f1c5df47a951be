-- Baseline height, weight and BMI per subject from the vital-sign tests named in
-- subject_rules. A measure with a configured visit (height_visitnum / weight_visitnum) comes
-- only from that VISITNUM, with no fall-back to another visit. Otherwise the baseline-flagged
-- record is used when there is one, else the last non-missing value on or before the first dose
-- date. With body_decimals set, height and weight are rounded to it and BMI is computed from the
-- rounded values and rounded the same way.

with

vs as (

    select studyid, usubjid, vstestcd, vsstresn, vsblfl, vsdt, vsseq, visitnum
    from {{ ref('stg_vs') }}
    where vsstresn is not null

),

study as (

    select studyid, height_testcd, weight_testcd, height_visitnum, weight_visitnum, body_decimals
    from {{ ref('stg_config__study') }}

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
        case
            when vs.vstestcd = study.height_testcd then study.height_visitnum
            when vs.vstestcd = study.weight_testcd then study.weight_visitnum
        end as required_visitnum,
        vs.vsstresn,
        vs.vsblfl,
        vs.vsdt,
        vs.vsseq,
        vs.visitnum,
        doses.trtsdt
    from vs
    inner join study on study.studyid = vs.studyid
    left join doses on doses.studyid = vs.studyid and doses.usubjid = vs.usubjid
    where vs.vstestcd in (study.height_testcd, study.weight_testcd)

),

eligible as (

    select *
    from candidates
    where case
        when required_visitnum is not null then visitnum = required_visitnum
        else vsblfl = 'Y' or trtsdt is null or vsdt <= trtsdt
    end

),

chosen as (

    select *
    from eligible
    qualify row_number() over (
        partition by studyid, usubjid, measure
        order by (vsblfl = 'Y') desc nulls last, vsdt desc nulls last, vsseq desc
    ) = 1

),

pivoted as (

    select
        chosen.studyid,
        chosen.usubjid,
        any_value(study.body_decimals) as body_decimals,
        max(vsstresn) filter (where measure = 'height') as height,
        max(vsstresn) filter (where measure = 'weight') as weight
    from chosen
    inner join study on study.studyid = chosen.studyid
    group by 1, 2

),

rounded as (

    select
        studyid,
        usubjid,
        body_decimals,
        case when body_decimals is null then height else round(height, body_decimals) end as heightbl,
        case when body_decimals is null then weight else round(weight, body_decimals) end as weightbl
    from pivoted

),

final as (

    select
        studyid,
        usubjid,
        heightbl,
        weightbl,
        case
            when heightbl > 0 and body_decimals is null
                then weightbl / ((heightbl / 100.0) * (heightbl / 100.0))
            when heightbl > 0
                then round(weightbl / ((heightbl / 100.0) * (heightbl / 100.0)), body_decimals)
        end as bmibl
    from rounded

)

select * from final

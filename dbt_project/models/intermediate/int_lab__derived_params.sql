-- Ratio parameters derived from the lab results of one subject at one visit, as declared in
-- derived_params: aval = numerator / denominator. When the numerator test has no value at the
-- visit it is derived as numerator_total minus the sum of the numerator_subtract tests (all of
-- which must have a value). One record per subject, parameter and visit at which the
-- denominator was measured; date and baseline flag are the denominator record's.

with

lb as (

    select studyid, usubjid, lbseq, lbtestcd, lbstresn, visitnum, visit, lbdtc, lbdt, lbdtm, lbblfl
    from {{ ref('stg_lb') }}
    where visitnum is not null

),

params as (

    select * from {{ ref('stg_config__derived_params') }}

),

components as (

    select studyid, paramcd, 'denominator' as role, denominator as testcd from params
    union all
    select studyid, paramcd, 'numerator', numerator from params where numerator is not null
    union all
    select studyid, paramcd, 'total', numerator_total from params where numerator_total is not null
    union all
    select studyid, paramcd, 'subtract', unnest(regexp_split_to_array(trim(numerator_subtract), '[\s,]+'))
    from params where numerator_subtract is not null

),

component_values as (

    select
        components.studyid,
        components.paramcd,
        components.role,
        components.testcd,
        lb.usubjid,
        lb.visitnum,
        lb.visit,
        lb.lbstresn,
        lb.lbdtc,
        lb.lbdt,
        lb.lbdtm,
        lb.lbblfl
    from components
    inner join lb
        on  lb.studyid = components.studyid
        and lb.lbtestcd = components.testcd
    qualify row_number() over (
        partition by components.studyid, components.paramcd, components.role, components.testcd,
                     lb.usubjid, lb.visitnum
        order by lb.lbseq desc
    ) = 1

),

by_visit as (

    select
        studyid,
        paramcd,
        usubjid,
        visitnum,
        max(visit) filter (where role = 'denominator') as visit,
        max(lbdtc) filter (where role = 'denominator') as lbdtc,
        max(lbdt) filter (where role = 'denominator') as adt,
        max(lbdtm) filter (where role = 'denominator') as adtm,
        max(lbblfl) filter (where role = 'denominator') as lbblfl,
        max(lbstresn) filter (where role = 'denominator') as denominator_value,
        max(lbstresn) filter (where role = 'numerator') as numerator_measured,
        max(lbstresn) filter (where role = 'total') as numerator_total_value,
        sum(lbstresn) filter (where role = 'subtract') as subtract_sum,
        count(lbstresn) filter (where role = 'subtract') as subtract_n,
        count(*) filter (where role = 'denominator') as has_denominator
    from component_values
    group by 1, 2, 3, 4

),

computed as (

    select
        by_visit.*,
        params.param,
        params.parcat1,
        params.avalu,
        coalesce(
            by_visit.numerator_measured,
            case
                when by_visit.subtract_n = len(regexp_split_to_array(trim(params.numerator_subtract), '[\s,]+'))
                then by_visit.numerator_total_value - by_visit.subtract_sum
            end
        ) as numerator_value
    from by_visit
    inner join params
        on  params.studyid = by_visit.studyid
        and params.paramcd = by_visit.paramcd
    where by_visit.has_denominator > 0

),

final as (

    select
        studyid,
        usubjid,
        cast(null as integer) as lbseq,
        paramcd,
        param,
        parcat1,
        avalu,
        numerator_value / nullif(denominator_value, 0) as aval,
        cast(numerator_value / nullif(denominator_value, 0) as varchar) as avalc,
        visitnum,
        visit,
        lbdtc,
        adt,
        adtm,
        lbblfl,
        cast(null as double) as anrlo,
        cast(null as double) as anrhi,
        cast(null as varchar) as lbnrind,
        numerator_value,
        denominator_value,
        case when numerator_measured is null and numerator_value is not null
             then 'Y' else 'N' end as numerator_derived_fl,
        'DERIVED' as dtype
    from computed

)

select * from final

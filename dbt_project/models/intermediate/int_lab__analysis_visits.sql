-- Every lab record (measured and derived) with its analysis values: nominal analysis visit
-- from analysis_visits (domain LB), AVAL = LBSTRESN (results such as "<3.42" keep the record
-- with a missing AVAL), reference-range codes, ratios to the limits, the threshold category
-- (L below low_factor x LLN, H above high_factor x ULN, else N; a result reported as below a limit,
-- e.g. "<3.42", has no AVAL and is categorised with its limit as the value) and the by-visit
-- summary flag.

with

measured as (

    select
        studyid,
        usubjid,
        lbseq,
        lbtestcd as paramcd,
        lbtest as param,
        lbcat as parcat1,
        lbstresu as avalu,
        lbstresn as aval,
        lbstresc as avalc,
        visitnum,
        visit,
        lbdtc,
        lbdt as adt,
        lbdtm as adtm,
        lbblfl,
        lbstnrlo as anrlo,
        lbstnrhi as anrhi,
        lbnrind,
        cast(null as varchar) as dtype
    from {{ ref('stg_lb') }}

),

derived as (

    select
        studyid, usubjid, lbseq, paramcd, param, parcat1, avalu, aval, avalc, visitnum, visit,
        lbdtc, adt, adtm, lbblfl, anrlo, anrhi, lbnrind, dtype
    from {{ ref('int_lab__derived_params') }}

),

combined as (

    select * from measured
    union all by name
    select * from derived

),

records as (

    select
        *,
        coalesce(aval, try_cast(nullif(regexp_extract(avalc, '^\s*<\s*([0-9]*\.?[0-9]+)\s*$', 1), '') as double))
            as thr_value
    from combined

),

visits as (

    select studyid, visitnum, avisit, avisitn, eot_candidate
    from {{ ref('stg_config__analysis_visits') }}
    where upper(domain) = 'LB'

),

study as (

    select studyid, lab_threshold_low_factor, lab_threshold_high_factor
    from {{ ref('stg_config__study') }}

),

summary as (

    select studyid, parcat1, requires_unit from {{ ref('stg_config__lab_summary') }}

),

nrind_codes as (

    select studyid, nrind, code from {{ ref('stg_config__nrind_codes') }}

),

subjects as (

    select studyid, usubjid, trtsdt, trt01a, trt01an, saffl
    from {{ ref('int_subject__treatment_arms') }}

),

final as (

    select
        ---------- keys
        records.studyid,
        records.usubjid,
        records.lbseq,

        ---------- treatment
        subjects.trt01a,
        subjects.trt01an,
        subjects.saffl,

        ---------- parameter
        records.paramcd,
        records.param,
        records.parcat1,
        records.avalu,

        ---------- values
        records.aval,
        records.avalc,

        ---------- timing
        visits.avisit,
        visits.avisitn,
        records.visitnum,
        records.visit,
        records.lbdtc,
        records.adt,
        records.adtm,
        {{ study_day('records.adt', 'subjects.trtsdt') }} as ady,
        case when records.lbblfl = 'Y' then 'Y' end as ablfl,
        coalesce(visits.eot_candidate, false) as eot_candidate,

        ---------- reference ranges
        records.anrlo,
        records.anrhi,
        coalesce(nrind_codes.code, records.lbnrind) as anrind,
        records.aval / nullif(records.anrhi, 0) as r2uln,
        records.aval / nullif(records.anrlo, 0) as r2lln,
        case
            when records.thr_value is null or (records.anrlo is null and records.anrhi is null) then null
            when records.thr_value < study.lab_threshold_low_factor * records.anrlo then 'L'
            when records.thr_value > study.lab_threshold_high_factor * records.anrhi then 'H'
            else 'N'
        end as athrind,

        ---------- flags
        case
            when summary.parcat1 is not null
             and (not summary.requires_unit or records.avalu is not null)
            then 'Y' else 'N'
        end as summfl,
        records.dtype

    from records
    left join subjects
        on  subjects.studyid = records.studyid
        and subjects.usubjid = records.usubjid
    left join visits
        on  visits.studyid = records.studyid
        and visits.visitnum = records.visitnum
    left join study on study.studyid = records.studyid
    left join summary
        on  summary.studyid = records.studyid
        and upper(summary.parcat1) = upper(records.parcat1)
    left join nrind_codes
        on  nrind_codes.studyid = records.studyid
        and upper(nrind_codes.nrind) = upper(records.lbnrind)

)

select * from final

-- Every vital-sign record with its analysis values: AVAL = VSSTRESN by parameter and
-- timepoint (VSTPT), nominal analysis visit from analysis_visits (domain VS), baseline flag
-- from VSBLFL and the by-visit summary flag from vs_summary. Vital signs carry no reference
-- ranges in SDTM, so the range columns are empty.

with

vs as (

    select * from {{ ref('stg_vs') }}

),

visits as (

    select studyid, visitnum, avisit, avisitn, eot_candidate
    from {{ ref('stg_config__analysis_visits') }}
    where upper(domain) = 'VS'

),

summary as (

    select distinct studyid, paramcd from {{ ref('stg_config__vs_summary') }}

),

subjects as (

    select studyid, usubjid, trtsdt, trt01a, trt01an, saffl
    from {{ ref('int_subject__treatment_arms') }}

),

final as (

    select
        ---------- keys
        vs.studyid,
        vs.usubjid,
        vs.vsseq,

        ---------- treatment
        subjects.trt01a,
        subjects.trt01an,
        subjects.saffl,

        ---------- parameter
        vs.vstestcd as paramcd,
        vs.vstest as param,
        vs.vscat as parcat1,
        vs.vsstresu as avalu,
        vs.vstpt as atpt,
        vs.vstptnum as atptn,
        vs.vspos,

        ---------- values
        vs.vsstresn as aval,
        vs.vsstresc as avalc,

        ---------- timing
        visits.avisit,
        visits.avisitn,
        vs.visitnum,
        vs.visit,
        vs.vsdtc,
        vs.vsdt as adt,
        {{ study_day('vs.vsdt', 'subjects.trtsdt') }} as ady,
        case when vs.vsblfl = 'Y' then 'Y' end as ablfl,
        coalesce(visits.eot_candidate, false) as eot_candidate,

        ---------- reference ranges (none for vital signs)
        cast(null as double) as anrlo,
        cast(null as double) as anrhi,
        cast(null as varchar) as anrind,
        cast(null as double) as r2uln,
        cast(null as double) as r2lln,
        cast(null as varchar) as athrind,

        ---------- flags
        case when summary.paramcd is not null then 'Y' else 'N' end as summfl,
        cast(null as varchar) as dtype

    from vs
    left join subjects
        on  subjects.studyid = vs.studyid
        and subjects.usubjid = vs.usubjid
    left join visits
        on  visits.studyid = vs.studyid
        and visits.visitnum = vs.visitnum
    left join summary
        on  summary.studyid = vs.studyid
        and summary.paramcd = vs.vstestcd

)

select * from final

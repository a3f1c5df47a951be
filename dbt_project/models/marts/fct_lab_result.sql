with

records as (

    {{ findings_records(ref('int_lab__analysis_visits'), ref('int_lab__end_of_treatment'),
                        ref('int_lab__baseline'), 'lbseq', ['paramcd']) }}

),

study as (

    select
        studyid,
        lab_worst_ontrt_avisitn_from,
        lab_worst_ontrt_avisitn_to,
        lab_worst_ontrt_uln_factor,
        lab_worst_ontrt_lln_factor
    from {{ ref('stg_config__study') }}

),

-- Worst on-treatment record per subject and parameter: among the visit records (never the
-- End-of-Treatment copy) of the configured analysis visits with a value, both limits and a
-- reference-range category, the one furthest outside the normal range by
-- max(uln_factor x ULN - AVAL, AVAL - lln_factor x LLN); the earliest visit wins a tie.
distances as (

    select
        records.*,
        case
            when records.eotfl = 'N'
             and records.avisitn is not null
             and (study.lab_worst_ontrt_avisitn_from is null or records.avisitn >= study.lab_worst_ontrt_avisitn_from)
             and (study.lab_worst_ontrt_avisitn_to is null or records.avisitn <= study.lab_worst_ontrt_avisitn_to)
             and records.aval is not null
             and records.anrlo is not null
             and records.anrhi is not null
             and records.anrind is not null
            then greatest(study.lab_worst_ontrt_uln_factor * records.anrhi - records.aval,
                          records.aval - study.lab_worst_ontrt_lln_factor * records.anrlo)
        end as worst_distance
    from records
    left join study on study.studyid = records.studyid

),

flagged as (

    select
        *,
        case
            when worst_distance is not null
             and row_number() over (
                    partition by studyid, usubjid, paramcd
                    order by worst_distance desc nulls last, avisitn, adt nulls last, aseq
                 ) = 1
            then 'Y'
        end as anl_worst_ontrt_fl
    from distances

),

final as (

    select
        ---------- keys
        studyid,
        usubjid,
        aseq,
        lbseq,

        ---------- treatment
        trt01a,
        cast(trt01an as integer) as trt01an,
        saffl,

        ---------- parameter
        paramcd,
        param,
        parcat1,
        avalu,

        ---------- values
        aval,
        avalc,

        ---------- timing
        avisit,
        cast(avisitn as integer) as avisitn,
        visitnum,
        visit,
        lbdtc,
        adt,
        adtm,
        ady,

        ---------- baseline and change
        ablfl,
        postblfl,
        avisit_type,
        base,
        chg,
        pchg,

        ---------- reference ranges and thresholds
        anrlo,
        anrhi,
        anrind,
        bnrind,
        r2uln,
        r2lln,
        athrind,
        bthrind,

        ---------- flags
        eotfl,
        anl01fl,
        anl_worst_ontrt_fl,
        summfl,
        dtype

    from flagged

)

select * from final

with

records as (

    {{ findings_records(ref('int_vs__analysis_visits'), ref('int_vs__end_of_treatment'),
                        ref('int_vs__baseline'), 'vsseq', ['paramcd', 'atpt']) }}

),

final as (

    select
        ---------- keys
        studyid,
        usubjid,
        aseq,
        vsseq,

        ---------- treatment
        trt01a,
        cast(trt01an as integer) as trt01an,
        saffl,

        ---------- parameter
        paramcd,
        param,
        parcat1,
        avalu,
        atpt,
        atptn,
        vspos,

        ---------- values
        aval,
        avalc,

        ---------- timing
        avisit,
        cast(avisitn as integer) as avisitn,
        visitnum,
        visit,
        vsdtc,
        adt,
        ady,

        ---------- baseline and change
        ablfl,
        postblfl,
        avisit_type,
        base,
        chg,
        pchg,

        ---------- reference ranges and thresholds (not collected for vital signs)
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
        summfl,
        dtype

    from records

)

select * from final

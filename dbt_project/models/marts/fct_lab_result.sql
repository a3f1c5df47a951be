with

records as (

    {{ findings_records(ref('int_lab__analysis_visits'), ref('int_lab__end_of_treatment'),
                        ref('int_lab__baseline'), 'lbseq', ['paramcd']) }}

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
        summfl,
        dtype

    from records

)

select * from final

{#-
    Shared analysis rules of the findings domains (labs, vital signs). Each takes an
    analysis-visit relation with one row per record and the columns studyid, usubjid, <seq>,
    paramcd, aval, anrind, athrind, ablfl, visitnum, adt, eot_candidate, plus the parameter
    key columns in `by` (e.g. ['paramcd'] or ['paramcd', 'atpt']).
-#}

{#- Baseline per subject and parameter: the record flagged as baseline in the source data. -#}
{% macro findings_baseline(relation, seq, by) -%}
    select
        studyid,
        usubjid,
        {% for b in by %}{{ b }},
        {% endfor -%}
        aval as base,
        anrind as bnrind,
        athrind as bthrind,
        visitnum as base_visitnum,
        adt as base_adt,
        {{ seq }} as base_{{ seq }}
    from {{ relation }}
    where ablfl = 'Y'
    qualify row_number() over (
        partition by studyid, usubjid{% for b in by %}, {{ b }}{% endfor %}
        order by adt desc nulls last, {{ seq }} desc nulls last
    ) = 1
{%- endmacro %}


{#-
    End-of-Treatment copies: the subject's last End-of-Treatment-candidate record per parameter
    (latest visit, then date, then sequence), whatever its value, relabelled with the study's
    End-of-Treatment analysis visit. A copy is never a baseline record.
-#}
{% macro findings_end_of_treatment(relation, study_relation, seq, by) -%}
    select
        records.* replace (
            study.eot_avisit as avisit,
            study.eot_avisitn as avisitn,
            cast(null as varchar) as ablfl
        )
    from {{ relation }} as records
    inner join {{ study_relation }} as study on study.studyid = records.studyid
    where records.eot_candidate
    qualify row_number() over (
        partition by records.studyid, records.usubjid{% for b in by %}, records.{{ b }}{% endfor %}
        order by records.visitnum desc, records.adt desc nulls last, records.{{ seq }} desc nulls last
    ) = 1
{%- endmacro %}


{#-
    Analysis records of a findings fact table: visit records plus End-of-Treatment copies,
    with baseline, change from baseline, the analysis flag and a unique analysis sequence.
    chg/pchg are set for post-baseline records (postblfl); anl01fl marks one record per
    subject, parameter and analysis visit (the baseline record for Baseline, else the earliest);
    avisit_type classes the record's analysis visit (findings_visit_class).
-#}
{% macro findings_records(visits, eot, baseline, seq, by) -%}
with

visit_records as (

    select *, 'N' as eotfl from {{ visits }}

),

eot_records as (

    select *, 'Y' as eotfl from {{ eot }}

),

records as (

    select * from visit_records
    union all by name
    select * from eot_records

),

baseline as (

    select * from {{ baseline }}

),

with_baseline as (

    select
        records.*,
        baseline.base,
        baseline.bnrind,
        baseline.bthrind,
        baseline.base_visitnum
    from records
    left join baseline
        on  baseline.studyid = records.studyid
        and baseline.usubjid = records.usubjid
        {%- for b in by %}
        and baseline.{{ b }} is not distinct from records.{{ b }}
        {%- endfor %}

),

derived as (

    select
        *,
        case when {{ findings_is_post_baseline() }} then 'Y' else 'N' end as postblfl,
        case when {{ findings_is_post_baseline() }}
             then aval - base end as chg,
        case when {{ findings_is_post_baseline() }} and base <> 0
             then (aval - base) / base * 100 end as pchg,
        case
            when avisit is null then null
            when row_number() over (
                partition by studyid, usubjid{% for b in by %}, {{ b }}{% endfor %}, avisitn
                order by (ablfl = 'Y') desc nulls last, adt nulls last, {{ seq }} nulls last, visitnum
            ) = 1 then 'Y'
        end as anl01fl,
        cast(row_number() over (
            partition by studyid, usubjid
            order by {% for b in by %}{{ b }} nulls first, {% endfor %}visitnum, adt nulls last, {{ seq }} nulls last, eotfl
        ) as integer) as aseq
    from with_baseline

),

classified as (

    select
        *,
        {{ findings_visit_class() }} as avisit_type
    from derived

)

select * from classified
{%- endmacro %}



{#-
    Post-baseline record: not the baseline record and measured after the first-dose day
    (study day 2 on). Pre-dose retests (e.g. unscheduled screening repeats) are not
    post-baseline even though their visit number follows the baseline visit.
-#}
{% macro findings_is_post_baseline() -%}
    (ablfl is distinct from 'Y' and ady > 1)
{%- endmacro %}



{#-
    Class of an analysis visit, from the record flags above (never from visit numbers):
    'baseline' when the visit holds a baseline record (ablfl), else 'post-baseline' when it holds
    a post-baseline record (postblfl, findings_is_post_baseline), else 'pre-baseline'; NULL for
    records without an analysis visit. One class per study and analysis visit, over every
    record of the fact, so all parameters and arms of a visit share it.
-#}
{% macro findings_visit_class() -%}
    case
        when avisitn is null then null
        when bool_or(ablfl = 'Y') over (partition by studyid, avisitn) then 'baseline'
        when bool_or(postblfl = 'Y') over (partition by studyid, avisitn) then 'post-baseline'
        else 'pre-baseline'
    end
{%- endmacro %}

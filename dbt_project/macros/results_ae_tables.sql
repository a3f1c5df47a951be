{#-
    Shared pieces of the adverse-event results models (overview, worst severity, time after dose).

    results_ae_teae(): the treatment-emergent AEs (fct_adverse_event trtemfl 'Y') of the analysis
    population (results_subjects()), one row per AE with the subject's configured arm, SOC / PT
    ('Not coded' when missing) and the AE columns the tables count on.

    severity_label(expr): a severity term as shown (AESEV 'MODERATE' -> 'Moderate'), word by word.
-#}
{% macro results_ae_teae() -%}
    select
        subjects.studyid,
        subjects.usubjid,
        subjects.arm,
        subjects.armn,
        subjects.control,
        ae.aeseq,
        coalesce(ae.aebodsys, 'Not coded') as soc,
        coalesce(ae.aedecod, 'Not coded') as pt,
        ae.asevn,
        ae.aesev,
        ae.aeser,
        ae.relfl,
        ae.aesdth,
        ae.aeout,
        ae.aeacn,
        ae.dosenum,
        ae.hours_since_dose,
        ae.dose_onset_precision
    from {{ ref('fct_adverse_event') }} as ae
    inner join ({{ results_subjects() }}) as subjects
        on  subjects.studyid = ae.studyid
        and subjects.usubjid = ae.usubjid
    where ae.trtemfl = 'Y'
{%- endmacro %}

{% macro severity_label(expr) -%}
    array_to_string(list_transform(string_split(lower(trim({{ expr }})), ' '),
                                   lambda w: upper(left(w, 1)) || substr(w, 2)), ' ')
{%- endmacro %}

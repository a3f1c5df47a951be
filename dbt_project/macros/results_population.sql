{#-
    The analysis population of the results models, from its one home, the model
    results_population (the configured population flag, in a configured arm), with the arm's
    display order (armn) and whether it is the control arm; and N per configured arm (0 when empty).
-#}
{% macro results_subjects() -%}
    select studyid, usubjid, arm, armn, control from {{ ref('results_population') }}
{%- endmacro %}

{% macro results_big_n() -%}
    select
        arms.studyid,
        arms.arm,
        cast(arms.arm_order as integer) as armn,
        arms.is_control as control,
        cast(count(population.usubjid) as integer) as big_n
    from {{ ref('stg_config__arms') }} as arms
    left join {{ ref('results_population') }} as population
        on  population.studyid = arms.studyid
        and population.arm = arms.arm
    group by arms.studyid, arms.arm, arms.arm_order, arms.is_control
{%- endmacro %}

{#-
    The analysis population of the results models: subjects of dim_subject in the safety
    population whose analysis arm is one of the study's configured arms, with the arm's display
    order (armn) and whether it is the control arm; and N per configured arm (0 when empty).
-#}
{% macro results_subjects() -%}
    select
        subjects.studyid,
        subjects.usubjid,
        arms.arm,
        cast(arms.arm_order as integer) as armn,
        arms.is_control as control
    from {{ ref('dim_subject') }} as subjects
    inner join {{ ref('stg_config__arms') }} as arms
        on  arms.studyid = subjects.studyid
        and arms.arm = subjects.trt01a
    where subjects.saffl = 'Y'
{%- endmacro %}

{% macro results_big_n() -%}
    select
        arms.studyid,
        arms.arm,
        cast(arms.arm_order as integer) as armn,
        arms.is_control as control,
        cast(count(subjects.usubjid) as integer) as big_n
    from {{ ref('stg_config__arms') }} as arms
    left join {{ ref('dim_subject') }} as subjects
        on  subjects.studyid = arms.studyid
        and subjects.trt01a = arms.arm
        and subjects.saffl = 'Y'
    group by arms.studyid, arms.arm, arms.arm_order, arms.is_control
{%- endmacro %}

{#- A configured factor as a label shows it: 3.0 -> '3', 1.5 -> '1.5', 4.25 -> '4.25'. -#}
{% macro format_factor(column) -%}
    regexp_replace(cast({{ column }} as varchar), '\.0$', '')
{%- endmacro %}

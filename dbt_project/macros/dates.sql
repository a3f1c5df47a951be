{#-
    ISO 8601 date handling.

    `dtc_columns(cols, 'AESTDTC', 'aest')` keeps a --DTC variable as text and adds what can be
    parsed from it, never failing on partial or malformed values:
        aestdtc            the text as collected (trimmed, blank -> NULL)
        aestdt             date, when at least year-month-day is present and valid
        aestdtm            timestamp, when a time of day is present
        aestdtc_precision  'datetime' | 'date' | 'month' | 'year' (NULL when empty or unreadable)
-#}

{% macro dtc_precision(expr) -%}
    case
        when regexp_full_match({{ expr }}, '\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?.*')
             and try_cast(left({{ expr }}, 10) as date) is not null then 'datetime'
        when regexp_full_match({{ expr }}, '\d{4}-\d{2}-\d{2}(T.*)?')
             and try_cast(left({{ expr }}, 10) as date) is not null then 'date'
        when regexp_full_match({{ expr }}, '\d{4}-(0[1-9]|1[0-2])') then 'month'
        when regexp_full_match({{ expr }}, '\d{4}') then 'year'
    end
{%- endmacro %}


{% macro dtc_columns(cols, name, prefix) -%}
    {%- set txt = col_text(cols, name) -%}
    {{ txt }} as {{ prefix }}dtc,
    case when {{ dtc_precision(txt) }} in ('datetime', 'date')
         then try_cast(left({{ txt }}, 10) as date) end as {{ prefix }}dt,
    case when {{ dtc_precision(txt) }} = 'datetime'
         then try_cast({{ txt }} as timestamp) end as {{ prefix }}dtm,
    {{ dtc_precision(txt) }} as {{ prefix }}dtc_precision
{%- endmacro %}


{#-
    Partial-date imputation for analysis dates. `rule` is an SQL expression giving
    'none' | 'day' | 'day_month'; `direction` 'first' (start dates) or 'last' (end dates).
    Complete dates are used as they are; YYYY-MM gets day 1 (or the last day of the month)
    when rule is 'day' or 'day_month'; YYYY gets Jan 1 (or Dec 31) only for 'day_month'.
-#}
{% macro impute_date(dtc, precision, rule, direction='first') -%}
    case
        when {{ precision }} in ('datetime', 'date') then try_cast(left({{ dtc }}, 10) as date)
        when {{ precision }} = 'month' and {{ rule }} in ('day', 'day_month') then
            {% if direction == 'first' -%}
            cast(left({{ dtc }}, 7) || '-01' as date)
            {%- else -%}
            cast(last_day(cast(left({{ dtc }}, 7) || '-01' as date)) as date)
            {%- endif %}
        when {{ precision }} = 'year' and {{ rule }} = 'day_month' then
            cast(left({{ dtc }}, 4) || '{{ "-01-01" if direction == "first" else "-12-31" }}' as date)
    end
{%- endmacro %}

{#- Imputation flag: 'D' day imputed, 'M' month and day imputed, NULL when not imputed. -#}
{% macro impute_date_flag(precision, rule) -%}
    case
        when {{ precision }} = 'month' and {{ rule }} in ('day', 'day_month') then 'D'
        when {{ precision }} = 'year' and {{ rule }} = 'day_month' then 'M'
    end
{%- endmacro %}


{#- Study day relative to a reference date: no day 0 (day 1 is the reference date). -#}
{% macro study_day(dt, ref) -%}
    cast(case when {{ dt }} >= {{ ref }} then ({{ dt }} - {{ ref }}) + 1
              else {{ dt }} - {{ ref }} end as integer)
{%- endmacro %}

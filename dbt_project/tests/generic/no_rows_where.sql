{#-
    No row satisfies the SQL boolean `condition`: each row where it is true fails the test (a
    NULL condition does not). The negative of `expression_is_true`, for contracts written as
    "this must never happen" (a change that is not aval - base, an end before its start).
-#}
{% test no_rows_where(model, condition, column_name=none) %}

select *
from {{ model }}
where coalesce(({{ condition }}), false)

{% endtest %}

{#-
    Like `relationships`, but the key is (studyid, column): every non-null value of `column_name`
    exists in `to` for the same study. `field` names the key column in `to`.
-#}
{% test relationships_by_study(model, column_name, to, field) %}

select child.studyid, child.{{ column_name }}
from {{ model }} as child
left join {{ to }} as parent
    on  parent.studyid = child.studyid
    and parent.{{ field }} = child.{{ column_name }}
where child.{{ column_name }} is not null
  and parent.{{ field }} is null

{% endtest %}

-- Laboratory values and change from baseline by analysis visit and arm (table 14-6.01): see the
-- macro results_by_visit for the records, statistics and visit classes.

{{ results_by_visit(ref('fct_lab_result')) }}

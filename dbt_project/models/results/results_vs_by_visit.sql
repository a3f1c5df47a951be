-- Vital signs and change from baseline by analysis visit, timepoint and arm (table 14-7.01): see
-- the macro results_by_visit for the records, statistics and visit classes.

{{ results_by_visit(ref('fct_vital_sign'), timepoint=true) }}

-- End-of-Treatment vital signs: a copy of each subject's last record per parameter and
-- timepoint among the visits marked eot_candidate in analysis_visits (domain VS).

{{ findings_end_of_treatment(ref('int_vs__analysis_visits'), ref('stg_config__study'), 'vsseq', ['paramcd', 'atpt']) }}

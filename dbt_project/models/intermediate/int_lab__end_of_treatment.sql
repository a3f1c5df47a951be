-- End-of-Treatment lab records: a copy of each subject's last record per parameter among the
-- visits marked eot_candidate in analysis_visits, even when its value is missing.

{{ findings_end_of_treatment(ref('int_lab__analysis_visits'), ref('stg_config__study'), 'lbseq', ['paramcd']) }}

-- Baseline vital sign per subject, parameter and timepoint: the record flagged VSBLFL = 'Y'.

{{ findings_baseline(ref('int_vs__analysis_visits'), 'vsseq', ['paramcd', 'atpt']) }}

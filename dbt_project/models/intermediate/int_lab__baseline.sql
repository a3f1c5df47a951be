-- Baseline lab value per subject and parameter: the record flagged LBBLFL = 'Y' (never the
-- last value before dose), with its reference-range and threshold categories.

{{ findings_baseline(ref('int_lab__analysis_visits'), 'lbseq', ['paramcd']) }}

-- N per configured arm of the analysis population (0 for an arm without subjects): the
-- denominator of every table's percentages and its column headers.

{{ results_big_n() }}

"""Safety comparison tables and figures.

Compute first, render separately: the modules `demographics`, `adverse_events`, `by_visit`,
`shifts`, `liver` and `findings` hold pure functions that take mart frames or dbt results models
(schema `results`: the counts and descriptive statistics of 14-2.01, 14-5.01/02, 14-6.02, 14-6.04
and the normal-range shifts, never recounted here) and the study configuration, add the
model-based statistics (scipy / statsmodels), and return tidy result frames (what `reports.*`
stores) and display tables;
`render` turns a display table into HTML (great-tables), RTF (rtflite) and XLSX (openpyxl) and a
figure into PNG and SVG; `build` runs one report asset for one study; `catalog` lists the assets
and the files they write (`expected_output_files`).
"""

from orchestration.lib.reporting.catalog import REPORT_ASSETS, expected_output_files

__all__ = ["REPORT_ASSETS", "expected_output_files"]

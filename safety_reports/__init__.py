"""Safety comparison tables and figures: statistics and rendering, no Dagster.

Compute first, render separately. The counts and descriptive statistics come from the dbt results
models (schema `results`) and the marts' flags, never recounted here. The modules `demographics`,
`adverse_events`, `by_visit`, `shifts`, `liver` and `findings` add the model-based statistics
(scipy / statsmodels, `stats`) and build display tables; `render` turns a display table into HTML
(great-tables), RTF (written directly) and XLSX (xlsxwriter) and a figure into PNG and SVG.

Each report asset is one module of `tables/` declaring its catalogue entry (`entry.ReportAsset`);
`catalog` discovers them, `build` runs one for one study, `index` writes the study's index page.
"""

from safety_reports.catalog import REPORT_ASSETS, expected_output_files

__all__ = ["REPORT_ASSETS", "expected_output_files"]

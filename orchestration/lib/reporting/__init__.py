"""Safety comparison tables and figures.

Compute first, render separately: the modules `demographics`, `adverse_events`, `by_visit`,
`shifts`, `liver` and `findings` hold pure functions that take mart frames and the study
configuration and return tidy result frames (what `reports.*` stores) and display tables;
`render` turns a display table into HTML (great-tables), RTF (rtflite) and XLSX (openpyxl) and a
figure into PNG and SVG; `build` runs one report asset for one study; `catalog` lists the assets
and the files they write (`expected_output_files`).
"""

from orchestration.lib.reporting.catalog import REPORT_ASSETS, expected_output_files

__all__ = ["REPORT_ASSETS", "expected_output_files"]

"""One module per report asset. Each declares `REPORT = ReportAsset(...)` (see `safety_reports.entry`)
and the function that builds it; `safety_reports.catalog` finds them all. Statistics and rendering
modules are imported inside the build functions, so reading the catalogue stays cheap."""

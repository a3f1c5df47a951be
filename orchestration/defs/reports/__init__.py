"""Safety comparison tables and figures: one asset per report (key ["reports", <name>]) and the
study's index page, all partitioned by study."""

import dagster as dg

from orchestration.defs.reports.assets import report_assets

defs = dg.Definitions(assets=report_assets)

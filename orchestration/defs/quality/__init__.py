"""Data quality of the raw feeds: one Great Expectations suite per raw SDTM domain, as asset checks.

Rules are data (expectations/rules.yml); findings go to quality.dq_findings. The marts are
checked by their dbt tests (dagster-dbt asset checks, orchestration/defs/dbt). Importing this
package reads the rule catalogue only: GX is imported when a check first runs.
"""

import dagster as dg

from orchestration.defs.quality.checks import build_checks

defs = dg.Definitions(asset_checks=build_checks())

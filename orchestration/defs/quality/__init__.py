"""Data quality: one Great Expectations suite per raw SDTM domain and per mart, as asset checks.

Rules are data (expectations/rules.yml); findings go to quality.dq_findings. Importing this
package reads the rule catalogue only: GX is imported when a check first runs.
"""

import dagster as dg

from orchestration.defs.quality.checks import build_checks

defs = dg.Definitions(asset_checks=build_checks())

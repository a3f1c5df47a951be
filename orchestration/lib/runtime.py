"""Process environment for running the pipeline: a persistent Dagster instance with telemetry off."""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.lib import paths

DAGSTER_YAML = """\
# Local Dagster instance of the safety warehouse (runs, event logs, schedules).
telemetry:
  enabled: false
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 1   # DuckDB admits one writer: runs queue one after another
"""


def prepare_environment() -> Path:
    """Set the variables every component needs; return DAGSTER_HOME."""
    home = Path(os.environ.get("DAGSTER_HOME") or paths.PROJECT_ROOT / ".dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        (home / "dagster.yaml").write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ["SAFETY_WAREHOUSE_DB"] = str(paths.warehouse_path())
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    return home

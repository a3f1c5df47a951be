"""Fixture for the mart tests: the warehouse of the whole-pipeline run on the pilot (`pipeline`), whose
dbt step ran `dbt build` (models, unit tests and data tests), and a way to run further dbt commands.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
STUDY = "cdiscpilot01"


@dataclass
class DbtWarehouse:
    path: Path
    tmp: Path
    env: dict[str, str]
    run_results: dict

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def dbt(self, *args: str, warehouse: Path | None = None, tmp: Path | None = None) -> subprocess.CompletedProcess:
        """Run dbt against this warehouse, or against another `warehouse` with its own `tmp` dir."""
        env = dict(self.env, SAFETY_WAREHOUSE_DB=str(warehouse)) if warehouse else self.env
        return run_dbt(env, tmp or self.tmp, *args)


def run_dbt(env: dict[str, str], tmp: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [str(DBT), *args, "--profiles-dir", str(DBT_PROJECT_DIR),
           "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")]
    return subprocess.run(cmd, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="session")
def dbt_warehouse(pipeline, tmp_path_factory) -> DbtWarehouse:
    """The warehouse the whole-pipeline run built, with the run_results of its `dbt build`."""
    assert pipeline.ok, pipeline.summary.failures
    tmp = tmp_path_factory.mktemp("dbt_marts")
    env = {k: v for k, v in os.environ.items() if k != "SAFETY_DBT_DB"}
    env.update(SAFETY_WAREHOUSE_DB=str(pipeline.warehouse), DBT_SEND_ANONYMOUS_USAGE_STATS="false",
               PYTHONPATH=str(PROJECT_ROOT))
    run_id = pipeline.summary.run_ids[STUDY]
    # dagster-dbt gives each invocation its own target folder named after the op and the run
    results = sorted((DBT_PROJECT_DIR / "target").glob(f"*-{run_id[:7]}-*/run_results.json"))
    assert results, f"no dbt run_results.json for run {run_id}"
    run_results = json.loads(results[-1].read_text())
    return DbtWarehouse(path=pipeline.warehouse, tmp=tmp, env=env, run_results=run_results)

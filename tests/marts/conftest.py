"""Fixture for the mart tests: the pilot's raw feeds loaded with orchestration.lib.bootstrap into a
temporary warehouse, then `dbt build` (models, unit tests and data tests) run on it once per session.
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
    build: subprocess.CompletedProcess
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
def dbt_warehouse(tmp_path_factory) -> DbtWarehouse:
    tmp = tmp_path_factory.mktemp("dbt_marts")
    db = tmp / "warehouse.duckdb"
    env = dict(os.environ)
    env.update(SAFETY_WAREHOUSE_DB=str(db), DBT_SEND_ANONYMOUS_USAGE_STATS="false",
               PYTHONPATH=str(PROJECT_ROOT))
    boot = subprocess.run([sys.executable, "-m", "orchestration.lib.bootstrap", STUDY], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert boot.returncode == 0, boot.stderr[-4000:]
    build = run_dbt(env, tmp, "build")
    results_file = tmp / "target" / "run_results.json"
    run_results = json.loads(results_file.read_text()) if results_file.exists() else {}
    assert build.returncode == 0, build.stdout[-6000:]
    return DbtWarehouse(path=db, tmp=tmp, env=env, build=build, run_results=run_results)

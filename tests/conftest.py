"""Shared fixtures. `pipeline` materialises the whole Dagster pipeline on the bundled pilot study
into a temporary warehouse, outputs folder and Dagster instance, once per test session."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from orchestration.cli import PipelineSummary

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@dataclass
class PipelineRun:
    warehouse: Path
    outputs: Path
    dagster_home: Path
    summary: "PipelineSummary"

    @property
    def ok(self) -> bool:
        return self.summary.ok


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory) -> PipelineRun:
    base = tmp_path_factory.mktemp("pipeline")
    env = {
        "SAFETY_WAREHOUSE_DB": str(base / "warehouse" / "safety.duckdb"),
        "SAFETY_OUTPUTS_DIR": str(base / "outputs"),
        "DAGSTER_HOME": str(base / "dagster_home"),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    from orchestration.cli import run_pipeline

    summary = run_pipeline(["cdiscpilot01"])  # the pilot only: other studies have their own tests
    run = PipelineRun(warehouse=Path(env["SAFETY_WAREHOUSE_DB"]), outputs=Path(env["SAFETY_OUTPUTS_DIR"]),
                      dagster_home=Path(env["DAGSTER_HOME"]), summary=summary)
    yield run
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture()
def warehouse_con(pipeline):
    import duckdb

    con = duckdb.connect(str(pipeline.warehouse), read_only=True)
    yield con
    con.close()

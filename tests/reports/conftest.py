"""Fixtures of the report tests: the fixture study's configuration and marts, and an isolated
environment (warehouse, studies, raw and outputs folders under tmp_path)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from orchestration.lib.reporting.config import ReportConfig
from orchestration.lib.reporting.data import big_n, population
from orchestration.lib.reporting.model import ReportContext
import report_fixtures as fixtures


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: builds the real pilot warehouse (bootstrap + dbt build)")


@pytest.fixture()
def cfg() -> ReportConfig:
    return ReportConfig.from_config(fixtures.CONFIG)


@pytest.fixture()
def marts() -> dict:
    return {name: make() for name, make in fixtures.MARTS.items()}


@pytest.fixture()
def pop(marts, cfg):
    return population(marts["dim_subject"], cfg)


@pytest.fixture()
def ctx(cfg, pop) -> ReportContext:
    return ReportContext(cfg=cfg, big_n=big_n(pop, cfg), snapshot="f" * 64, code_version="test")


@dataclass
class Env:
    warehouse: Path
    outputs: Path
    studies: Path
    raw: Path


@pytest.fixture()
def env(tmp_path, monkeypatch) -> Env:
    e = Env(warehouse=tmp_path / "wh.duckdb", outputs=tmp_path / "outputs", studies=tmp_path / "studies",
            raw=tmp_path / "raw")
    (e.studies / fixtures.STUDY).mkdir(parents=True)
    (e.studies / fixtures.STUDY / "study.yml").write_text(yaml.safe_dump(fixtures.CONFIG, sort_keys=False))
    (e.raw / fixtures.STUDY).mkdir(parents=True)
    fixtures.write_warehouse(e.warehouse)
    monkeypatch.setenv("SAFETY_WAREHOUSE_DB", str(e.warehouse))
    monkeypatch.setenv("SAFETY_OUTPUTS_DIR", str(e.outputs))
    monkeypatch.setenv("SAFETY_STUDIES_DIR", str(e.studies))
    monkeypatch.setenv("SAFETY_RAW_DIR", str(e.raw))
    return e

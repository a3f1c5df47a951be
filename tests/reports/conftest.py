"""Fixtures of the report tests: the fixture study's configuration and marts, and an isolated
environment (warehouse, studies, raw and outputs folders under tmp_path)."""

from __future__ import annotations

import pytest
import report_fixtures as fixtures

from safety_reports.config import ReportConfig
from safety_reports.data import big_n, population
from safety_reports.model import ReportContext


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: reads the warehouse of the whole-pipeline run on the pilot")


@pytest.fixture()
def cfg() -> ReportConfig:
    return ReportConfig.from_config(fixtures.CONFIG)


@pytest.fixture()
def marts() -> dict:
    return {name: make() for name, make in fixtures.MARTS.items()}


@pytest.fixture()
def results() -> dict:
    return {name: make() for name, make in fixtures.RESULTS.items()}


@pytest.fixture()
def pop(results):
    return population(results["results_population"])


@pytest.fixture()
def ctx(cfg, results) -> ReportContext:
    return ReportContext(cfg=cfg, big_n=big_n(results["results_big_n"], cfg), snapshot="f" * 64,
                         code_version="test")


@pytest.fixture()
def env(tmp_path, monkeypatch) -> fixtures.Env:
    return fixtures.make_env(tmp_path, monkeypatch)

"""Defaults have one home (the study model): what dbt reads from raw.cfg_* and what the reports use
are the same values, also for a configuration that leaves them out; and the data snapshot stamped on
outputs changes when the configuration does."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from safety_warehouse.publish import warehouse_snapshot
from safety_warehouse.raw_loader import current_data_snapshot
from safety_reports.config import ReportConfig
from safety_warehouse.study_config import publish_config
from safety_warehouse.study_model import load_study, validate_study

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG_MODELS = PROJECT_ROOT / "dbt_project" / "models" / "staging" / "config"

MINIMAL = {
    "study": "m", "studyid": "M01",
    "arms": [{"arm": "Placebo", "control": True}, {"arm": "Active"}],
}


@pytest.fixture()
def con():
    c = duckdb.connect()
    c.execute("create schema raw")
    c.execute("create table raw.load_log (study varchar, domain varchar, sha256 varchar, action varchar, "
              "loaded_at timestamptz)")
    c.execute("insert into raw.load_log values ('m', 'dm', 'aa', 'loaded', ?), ('m', 'ae', 'bb', 'loaded', ?)",
              [datetime.now(timezone.utc)] * 2)
    yield c
    c.close()


def test_omitted_factors_are_the_same_for_dbt_and_the_reports(con):
    cfg = validate_study(MINIMAL)
    publish_config(con, cfg)
    report = ReportConfig.from_study(cfg)
    low, high = con.execute("select lab_threshold_low_factor, lab_threshold_high_factor "
                            "from raw.cfg_settings where study = 'm'").fetchone()
    assert (low, high) == (report.threshold_low_factor, report.threshold_high_factor) == (0.5, 1.5)
    row = con.execute("select transaminase_factor, bilirubin_factor, alt_testcd, ast_testcd, bili_testcd "
                      "from raw.cfg_liver_injury where study = 'm'").fetchone()
    assert row == (report.transaminase_factor, report.bilirubin_factor, report.alt_testcd, report.ast_testcd,
                   report.bili_testcd)
    eot, alpha = con.execute("select eot_avisit, alpha from raw.cfg_settings where study = 'm'").fetchone()
    assert (eot, alpha) == (report.eot_avisit, report.alpha)
    arms = con.execute("select arm, \"order\", control, label from raw.cfg_arms where study = 'm' "
                       "order by \"order\"").fetchall()
    assert arms == [(a.name, a.order, a.control, a.label) for a in report.arms.arms]
    windows = con.execute("select label, hours from raw.cfg_ae_dose_windows where study = 'm'").fetchall()
    assert windows == [(w.label, w.hours) for w in report.dose_windows]


def test_every_section_is_published_with_typed_columns(con):
    publish_config(con, validate_study(MINIMAL))
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables "
                                        "where table_schema = 'raw' and table_name like 'cfg_%'").fetchall()}
    assert tables == {"cfg_study"} | {f"cfg_{s}" for s in validate_study(MINIMAL).sections()}
    # an empty list section still has its columns, so dbt sees NULL-free types rather than a missing table
    assert con.execute("select count(*) from raw.cfg_aesi").fetchone() == (0,)
    types = dict(con.execute("select column_name, data_type from information_schema.columns "
                             "where table_schema = 'raw' and table_name = 'cfg_aesi'").fetchall())
    assert types == {"study": "VARCHAR", "aesi_cat": "VARCHAR", "match": "VARCHAR", "term": "VARCHAR",
                     "window_hours": "DOUBLE"}


def test_the_pilot_publishes_what_the_reports_use(con):
    cfg = load_study("cdiscpilot01")
    publish_config(con, cfg)
    report = ReportConfig.from_study(cfg)
    assert con.execute("select lab_threshold_low_factor, lab_threshold_high_factor, eot_avisit from raw.cfg_settings"
                       ).fetchone() == (report.threshold_low_factor, report.threshold_high_factor, report.eot_avisit)
    assert con.execute("select studyid, config_sha256 from raw.cfg_study").fetchone() == (cfg.studyid,
                                                                                           cfg.config_sha256)


def test_the_staging_config_models_fill_no_defaults():
    """dbt only renames and casts: no coalesce to a literal in the staging config models or macro."""
    sources = [*CONFIG_MODELS.glob("*.sql"), PROJECT_ROOT / "dbt_project" / "macros" / "stg_config.sql"]
    for path in sources:
        text = path.read_text()
        assert not re.search(r"coalesce\s*\(", text, re.I), path.name
        assert "col_bool" not in text, path.name  # col_bool defaults a missing flag to false


def _snapshots(con, cfg):
    publish_config(con, cfg)
    return current_data_snapshot(con, cfg.study), warehouse_snapshot(con)


def test_changing_study_yml_changes_the_data_snapshot(con, tmp_path):
    folder = tmp_path / "studies" / "m"
    folder.mkdir(parents=True)
    study_yml = folder / "study.yml"
    study_yml.write_text("study: m\nstudyid: M01\nsettings:\n  alpha: 0.05\narms:\n"
                         "  - {arm: Placebo, control: true}\n  - {arm: Active}\n")
    first = load_study("m", tmp_path / "studies")
    before = _snapshots(con, first)
    assert None not in before

    # a comment or a different spelling of the same values is the same configuration
    study_yml.write_text("# the fixture study\nstudy: m\nstudyid: M01\nsettings: {alpha: 5.0e-2}\narms:\n"
                         "  - {arm: Placebo, control: true}\n  - {arm: Active}\n")
    same = load_study("m", tmp_path / "studies")
    assert same.config_sha256 == first.config_sha256
    assert _snapshots(con, same) == before

    # a changed value changes the configuration hash and both data snapshots
    study_yml.write_text(study_yml.read_text().replace("alpha: 5.0e-2", "alpha: 0.01"))
    changed = load_study("m", tmp_path / "studies")
    assert changed.config_sha256 != first.config_sha256
    after = _snapshots(con, changed)
    assert after[0] != before[0] and after[1] != before[1]


def test_changing_quality_yml_changes_the_data_snapshot(con):
    cfg = validate_study(MINIMAL)
    before = _snapshots(con, cfg)
    stricter = validate_study(MINIMAL, quality={"max_findings_per_rule": 100})
    assert _snapshots(con, stricter) != before


def test_a_feed_change_still_changes_the_data_snapshot(con):
    cfg = validate_study(MINIMAL)
    before = _snapshots(con, cfg)
    con.execute("insert into raw.load_log values ('m', 'dm', 'cc', 'loaded', ?)", [datetime.now(timezone.utc)])
    assert _snapshots(con, cfg) != before

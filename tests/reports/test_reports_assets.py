"""The report assets end to end on the fixture warehouse: every asset builds, writes only its
study's rows, produces the expected files, and the index page links every table and figure; the
Dagster definitions have the promised keys, groups, partitions and dependencies."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

import report_fixtures as fixtures
from safety_reports import build as report_build
from safety_reports.catalog import (INDEX_ASSET, REPORT_ASSETS, expected_output_files, figure_names,
                                                 table_names)
from safety_reports.index import build_index
from safety_reports.store import replace_study_rows


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every report asset built once on the fixture warehouse (shared by the read-only tests)."""
    with pytest.MonkeyPatch.context() as mp:
        env = fixtures.make_env(tmp_path_factory.mktemp("reports_built"), mp)
        results = {a.name: report_build.build(a.name, fixtures.STUDY) for a in REPORT_ASSETS}
        results[INDEX_ASSET] = build_index(fixtures.STUDY)
        yield env, results


def test_every_asset_builds_its_tables_and_files(built):
    env, results = built
    expected = expected_output_files(fixtures.STUDY)
    assert all(p.parent == env.outputs / fixtures.STUDY for p in expected)
    missing = [p.name for p in expected if not p.exists() or p.stat().st_size == 0]
    assert not missing
    con = duckdb.connect(str(env.warehouse), read_only=True)
    try:
        for table in table_names():
            rows = con.execute(f"select count(*), count(distinct study), min(study), min(code_version), "
                               f"min(data_snapshot) from reports.{table}").fetchone()
            assert rows[0] > 0 and rows[1] == 1 and rows[2] == fixtures.STUDY, table
            assert rows[3] and len(rows[4]) == 64, table
        cols = [r[0] for r in con.execute("describe reports.t_ae_soc_pt").fetchall()]
        assert cols[:11] == ["study", "level", "soc", "pt", "arm", "armn", "big_n", "n_subjects", "pct", "n_events",
                             "p_value"]
        cols = {r[0] for r in con.execute("describe reports.t_lab_by_visit").fetchall()}
        assert {"study", "paramcd", "visit", "arm", "n", "mean", "sd", "median", "min", "max", "chg_n", "chg_mean",
                "chg_sd", "chg_median", "chg_min", "chg_max", "p_value", "test"} <= cols
        cols = {r[0] for r in con.execute("describe reports.t_vs_by_visit").fetchall()}
        assert {"timepoint", "p_value", "test"} <= cols
        # the contract's NULLs: soc/pt on the overall row, p-value of the control arm
        overall = con.execute("select soc, pt, p_value from reports.t_ae_soc_pt where level = 'overall' and "
                              "arm = 'Placebo'").fetchone()
        assert overall == (None, None, None)
        manifest = con.execute("select count(*) from reports.output_manifest where study = ?",
                               [fixtures.STUDY]).fetchone()[0]
        assert manifest == len(expected)
    finally:
        con.close()
    assert results["ae_soc_pt"].rows == {"t_ae_soc_pt": 21}


def test_index_links_every_table_and_figure(built):
    env, _ = built
    page = (env.outputs / fixtures.STUDY / "index.html").read_text(encoding="utf-8")
    for table in table_names():
        for ext in ("html", "rtf", "xlsx"):
            assert f'href="{table}.{ext}"' in page, (table, ext)
    for figure in figure_names():
        assert f'src="{figure}.png"' in page and f'href="{figure}.svg"' in page
    assert "not built" not in page
    assert "Significant findings" in page and "High vs Placebo" in page
    assert "N per arm: Placebo 4; Low 3; High 3" in page
    # every table page links back to the index
    assert 'href="index.html"' in (env.outputs / fixtures.STUDY / "t_ae_soc_pt.html").read_text(encoding="utf-8")


def test_rebuild_replaces_only_this_studys_rows(env):
    report_build.build("ae_overview", fixtures.STUDY)
    con = duckdb.connect(str(env.warehouse))
    try:
        other = con.execute("select * from reports.t_ae_overview").df()
        other["study"] = "another"
        replace_study_rows(con, "t_ae_overview", other, "another")
        n_before = con.execute("select count(*) from reports.t_ae_overview").fetchone()[0]
    finally:
        con.close()
    report_build.build("ae_overview", fixtures.STUDY)
    con = duckdb.connect(str(env.warehouse), read_only=True)
    try:
        counts = dict(con.execute("select study, count(*) from reports.t_ae_overview group by 1").fetchall())
    finally:
        con.close()
    assert counts == {fixtures.STUDY: n_before // 2, "another": n_before // 2}


def test_replace_study_rows_refuses_other_studies(tmp_path):
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    try:
        with pytest.raises(ValueError):
            replace_study_rows(con, "t", pd.DataFrame({"study": ["a", "b"], "x": [1, 2]}), "a")
        replace_study_rows(con, "t", pd.DataFrame({"study": ["a"], "x": [1]}), "a")
        replace_study_rows(con, "t", pd.DataFrame({"study": ["a"], "x": [2], "y": ["new"]}), "a")
        assert con.execute("select x, y from reports.t").fetchall() == [(2, "new")]
    finally:
        con.close()


def test_missing_mart_is_a_clear_error(env):
    con = duckdb.connect(str(env.warehouse))
    con.execute("drop table marts.mart_liver_injury")
    con.close()
    with pytest.raises(Exception, match="marts.mart_liver_injury does not exist"):
        report_build.build("liver_injury", fixtures.STUDY)


def test_dagster_definitions_and_materialisation(env, tmp_path, monkeypatch):
    import dagster as dg

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    from orchestration.defs.reports import defs
    from orchestration.defs.reports.assets import build_report_assets

    assert isinstance(defs, dg.Definitions)
    # built here, not taken from the module: its partitions are the studies present at first import
    report_assets = build_report_assets()
    by_key = {a.key: a for a in report_assets}
    assert set(by_key) == {dg.AssetKey(["reports", a.name]) for a in REPORT_ASSETS} | {
        dg.AssetKey(["reports", INDEX_ASSET])}
    soc_pt = by_key[dg.AssetKey(["reports", "ae_soc_pt"])]
    assert soc_pt.group_names_by_key[soc_pt.key] == "reports"
    # the table's counts come from its dbt results model, not from the event mart
    assert {dg.AssetKey(["results", "results_ae_soc_pt"]), dg.AssetKey(["results", "results_population"]),
            dg.AssetKey(["results", "results_big_n"])} <= set(soc_pt.dependency_keys)
    # the population comes from dbt: no report reads dim_subject
    assert not any(dg.AssetKey(["marts", "dim_subject"]) in a.dependency_keys for a in report_assets)
    assert dg.AssetKey(["marts", "fct_adverse_event"]) not in soc_pt.dependency_keys
    # no AE table counts in pandas: each reads its results model, none the event mart
    for name, model in (("ae_overview", "results_ae_overview"), ("ae_soc_pt_severity", "results_ae_soc_pt_severity"),
                        ("ae_dose_window", "results_ae_dose_window"), ("ae_dot_plot", "results_ae_risk_diff")):
        deps = by_key[dg.AssetKey(["reports", name])].dependency_keys
        assert dg.AssetKey(["results", model]) in deps and dg.AssetKey(["marts", "fct_adverse_event"]) not in deps
    assert soc_pt.partitions_def.get_partition_keys() == [fixtures.STUDY]
    lab = by_key[dg.AssetKey(["reports", "lab_by_visit"])]
    # counts from the results model; the mart is queried for the test's arrays only
    assert {dg.AssetKey(["results", "results_lab_by_visit"]), dg.AssetKey(["marts", "fct_lab_result"])} <= set(
        lab.dependency_keys)
    liver = by_key[dg.AssetKey(["reports", "liver_injury"])]
    assert dg.AssetKey(["results", "results_liver_injury"]) in liver.dependency_keys
    findings = by_key[dg.AssetKey(["reports", "significant_findings"])]
    assert dg.AssetKey(["reports", "lab_by_visit"]) in findings.dependency_keys
    index = by_key[dg.AssetKey(["reports", INDEX_ASSET])]
    assert len(index.dependency_keys) == len(REPORT_ASSETS)

    chosen = [by_key[dg.AssetKey(["reports", n])] for n in ("demographics", "ae_overview")]
    from orchestration.defs.warehouse import RESOURCE_KEY, RunWarehouse

    result = dg.materialize(chosen, partition_key=fixtures.STUDY, instance=dg.DagsterInstance.ephemeral(),
                            resources={RESOURCE_KEY: RunWarehouse()})
    assert result.success
    assert (env.outputs / fixtures.STUDY / "t_demographics.rtf").exists()
    assert (env.outputs / fixtures.STUDY / "t_ae_overview.xlsx").exists()
    meta = {e.asset_key.path[-1]: e.step_materialization_data.materialization.metadata
            for e in result.get_asset_materialization_events()}
    assert meta["demographics"]["rows reports.t_demographics"].value > 0
    assert len(meta["ae_overview"]["data_snapshot"].value) == 64


def test_study_without_events_labs_or_vitals_still_builds(env):
    con = duckdb.connect(str(env.warehouse))
    for table in ("fct_adverse_event", "fct_vital_sign", "fct_lab_result", "mart_liver_injury"):
        con.execute(f"delete from marts.{table}")
    # what the results models hold for such a study: an overall AE row of zeros, no lab rows
    for table in ("results_ae_soc_pt", "results_ae_soc_pt_serious"):
        con.register("frame", fixtures.results_ae_empty())
        con.execute(f"create or replace table results.{table} as select * from frame")
        con.unregister("frame")
    for table in ("results_lab_nr_freq", "results_lab_shift", "results_lab_thr_shift", "results_lab_by_visit",
                  "results_vs_by_visit"):
        con.execute(f"delete from results.{table}")
    con.close()
    for a in REPORT_ASSETS:
        report_build.build(a.name, fixtures.STUDY)
    build_index(fixtures.STUDY)
    assert all(p.exists() for p in expected_output_files(fixtures.STUDY))
    con = duckdb.connect(str(env.warehouse), read_only=True)
    try:
        overall = con.execute("select arm, n_subjects, pct from reports.t_ae_soc_pt where level = 'overall' "
                              "order by armn").fetchall()
    finally:
        con.close()
    assert overall == [("Placebo", 0, 0.0), ("Low", 0, 0.0), ("High", 0, 0.0)]


def test_results_models_are_their_own_dagster_group():
    from orchestration.lib.dbt.translator import WarehouseTranslator

    t = WarehouseTranslator()
    props = {"resource_type": "model", "name": "results_ae_soc_pt", "fqn": ["safety_warehouse", "results",
                                                                             "results_ae_soc_pt"]}
    assert t.get_asset_key(props).path == ["results", "results_ae_soc_pt"]
    assert t.get_group_name(props) == "results"
    spec = next(a for a in REPORT_ASSETS if a.name == "lab_nr_freq")
    assert tuple(spec.results) == ("results_lab_nr_freq",) and "fct_lab_result" not in spec.marts

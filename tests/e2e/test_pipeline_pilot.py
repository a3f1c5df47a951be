"""The whole pipeline on CDISC Pilot 01, materialised through Dagster into a temporary warehouse."""

from __future__ import annotations

import pyarrow.parquet as pq
import pyreadstat
import pytest

from safety_warehouse import paths

PILOT = paths.PROJECT_ROOT / "data" / "raw" / "cdiscpilot01"


def _source_rows(domain: str) -> int:
    path = next(PILOT.glob(f"{domain}.*"))
    if path.suffix == ".xpt":
        return len(pyreadstat.read_xport(str(path))[0])
    return pq.ParquetFile(path).metadata.num_rows


def test_run_succeeds(pipeline):
    assert pipeline.ok


@pytest.mark.parametrize("domain,expected", [
    ("ae", 1191), ("suppae", 1191), ("dm", 306), ("ds", 596), ("ex", 591),
    ("sv", 3559), ("lb", 59580), ("supplb", 64403), ("vs", 29643),
])
def test_raw_counts_equal_source_files(warehouse_con, domain, expected):
    assert _source_rows(domain) == expected
    n = warehouse_con.execute(f"select count(*) from raw.{domain} where STUDYID = 'CDISCPILOT01'").fetchone()[0]
    assert n == expected


def test_provenance_rows(warehouse_con):
    rows = warehouse_con.execute(
        "select domain, source_file, sha256, bytes, rows, run_id, action from raw.load_log "
        "where study = 'cdiscpilot01' order by domain").fetchall()
    assert {r[0] for r in rows} == {"ae", "suppae", "dm", "ds", "ex", "sv", "lb", "supplb", "vs"}
    for domain, source, sha, size, n, run_id, action in rows:
        # relative to the raw root: published tables hold no server paths
        assert source.startswith("cdiscpilot01/") and (PILOT.parent / source).exists()
        assert len(sha) == 64 and size > 0 and n > 0
        assert run_id and action == "loaded"


def test_stg_ae_carries_aetrtem(warehouse_con):
    counts = dict(warehouse_con.execute(
        "select aetrtem, count(*) from staging.stg_ae group by aetrtem").fetchall())
    assert counts == {"Y": 1126, "N": 65}


def test_schemas_are_not_prefixed(warehouse_con):
    schemas = {r[0] for r in warehouse_con.execute(
        "select distinct table_schema from information_schema.tables").fetchall()}
    assert {"raw", "staging", "marts"} <= schemas
    assert not any(s.startswith(("main_", "dev_")) for s in schemas)


def test_published_copy_matches_warehouse(pipeline, warehouse_con):
    import duckdb

    published = pipeline.warehouse.parent / "published" / pipeline.warehouse.name
    con = duckdb.connect(str(published), read_only=True)
    try:
        for table in ("raw.lb", "staging.stg_ae", "raw.load_log"):
            q = f"select count(*) from {table}"
            assert con.execute(q).fetchone() == warehouse_con.execute(q).fetchone()
    finally:
        con.close()


def test_second_run_is_idempotent(pipeline, warehouse_con):
    before = {d: warehouse_con.execute(f"select count(*) from raw.{d}").fetchone()[0]
              for d in ("ae", "lb", "supplb", "vs")}
    warehouse_con.close()
    from orchestration.cli import run_pipeline

    # nothing changed: the published snapshot already holds these feeds, this configuration and code
    second = run_pipeline(["cdiscpilot01"])
    assert second.ok and set(second.skipped) == {"cdiscpilot01"} and not second.run_ids
    assert second.timings["studies"]["cdiscpilot01"]["skipped"] and second.timings["total"] < 30
    # forced, every feed is recognised by its sha256 and not reloaded
    forced = run_pipeline(["cdiscpilot01"], force=True)
    assert forced.ok and not forced.skipped
    import duckdb

    con = duckdb.connect(str(pipeline.warehouse), read_only=True)
    try:
        after = {d: con.execute(f"select count(*) from raw.{d}").fetchone()[0] for d in before}
        assert after == before
        actions = con.execute(
            "select action, count(*) from raw.load_log where run_id = ? group by action",
            [forced.run_ids["cdiscpilot01"]]).fetchall()
        assert dict(actions) == {"unchanged": 9}
        assert con.execute("select count(*) from staging.stg_ae").fetchone()[0] == 1191
    finally:
        con.close()


def test_up_to_date_until_a_feed_or_the_configuration_changes(pipeline, tmp_path, monkeypatch):
    import shutil

    from safety_warehouse import paths
    from safety_warehouse.publish import up_to_date

    current = up_to_date("cdiscpilot01")
    assert current is not None and len(current.study_snapshot) == 64
    raw, studies = tmp_path / "raw", tmp_path / "studies"
    shutil.copytree(paths.raw_dir() / "cdiscpilot01", raw / "cdiscpilot01")
    shutil.copytree(paths.studies_dir(), studies)
    monkeypatch.setenv("SAFETY_RAW_DIR", str(raw))
    monkeypatch.setenv("SAFETY_STUDIES_DIR", str(studies))
    assert up_to_date("cdiscpilot01") == current  # same bytes elsewhere are the same delivery

    study_yml = studies / "cdiscpilot01" / "study.yml"
    original = study_yml.read_text()
    study_yml.write_text(original.replace("alpha: 0.05", "alpha: 0.01"))
    assert "alpha: 0.01" in study_yml.read_text()
    assert up_to_date("cdiscpilot01") is None  # a changed setting
    study_yml.write_text(original)
    assert up_to_date("cdiscpilot01") == current

    with open(raw / "cdiscpilot01" / "dm.xpt", "ab") as fh:  # a changed feed
        fh.write(b" " * 80)
    assert up_to_date("cdiscpilot01") is None


def test_a_changed_lb_feed_rebuilds_only_what_depends_on_it(pipeline, tmp_path, monkeypatch):
    """One corrected LB result: the refresh reloads LB only, rebuilds and re-checks what depends on it,
    leaves the AE tables as they were, and publishes. Pointed back at the original delivery, the next
    refresh restores the original values the same way."""
    import shutil

    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from orchestration.cli import run_pipeline
    from safety_warehouse import paths
    from safety_warehouse.feeds import FeedFile, read_feed
    from safety_warehouse.publish import refresh_plan, up_to_date

    original_raw = paths.raw_dir()
    raw = tmp_path / "raw"
    shutil.copytree(original_raw / "cdiscpilot01", raw / "cdiscpilot01")
    lb = next(p for p in (raw / "cdiscpilot01").iterdir() if p.stem == "lb")
    table = read_feed(FeedFile(study="cdiscpilot01", domain="lb", path=lb)).table
    # a corrected result: the standard numeric and character results both one unit higher
    numeric, text = table.column("LBSTRESN").to_pylist(), table.column("LBSTRESC").to_pylist()

    def number(v):
        try:
            return float(v)
        except (TypeError, ValueError):
            return None

    index = next(i for i, (n, c) in enumerate(zip(numeric, text)) if number(n) is not None and number(c) == number(n))
    seq = (table.column("USUBJID")[index].as_py(), int(float(table.column("LBSEQ")[index].as_py())))
    corrected = number(numeric[index]) + 1.0
    numeric[index] = text[index] = f"{corrected:g}"
    for name, values in (("LBSTRESN", numeric), ("LBSTRESC", text)):
        column = table.column_names.index(name)
        table = table.set_column(column, name, pa.array(values, table.column(name).type))
    lb.unlink()
    pq.write_table(table, raw / "cdiscpilot01" / "lb.parquet")
    testcd = table.column("LBTESTCD")[index].as_py()
    ae_table = pipeline.outputs / "cdiscpilot01" / "t_ae_soc_pt.rtf"
    ae_bytes = ae_table.read_bytes()
    ae_mtime = ae_table.stat().st_mtime_ns
    liver_table = pipeline.outputs / "cdiscpilot01" / "t_liver_injury.xlsx"
    liver_mtime = liver_table.stat().st_mtime_ns
    lab_table = pipeline.outputs / "cdiscpilot01" / "t_lab_by_visit.xlsx"
    lab_mtime = lab_table.stat().st_mtime_ns

    monkeypatch.setenv("SAFETY_RAW_DIR", str(raw))
    plan = refresh_plan("cdiscpilot01")
    assert plan.changed == {"lb"}, plan
    summary = run_pipeline(["cdiscpilot01"])
    try:
        assert summary.ok, summary.failures
        steps = set(summary.timings["studies"]["cdiscpilot01"]["steps"])
        assert {"raw__lb", "dq_raw_lb", "warehouse_dbt_models", "reports__lab_by_visit", "reports__liver_injury",
                "reports__index", "published__warehouse"} <= steps
        assert not steps & {"raw__ae", "raw__dm", "dq_raw_ae", "dq_raw_dm", "reports__ae_soc_pt",
                            "reports__demographics", "reports__vs_by_visit"}, steps
        assert ae_table.read_bytes() == ae_bytes and ae_table.stat().st_mtime_ns == ae_mtime
        # the by-visit table changed with the value; the liver screen (ALT, AST, bilirubin) did not, so
        # its outputs were kept as they were
        assert lab_table.stat().st_mtime_ns != lab_mtime
        if testcd not in ("ALT", "AST", "BILI"):
            assert liver_table.stat().st_mtime_ns == liver_mtime
        # dbt built the models that depend on LB and ran their data tests, not the unit tests
        run_id = summary.run_ids["cdiscpilot01"]
        (results,) = (paths.DBT_PROJECT_DIR / "target").glob(f"*-{run_id[:7]}-*/run_results.json")
        import json

        built = {r["unique_id"] for r in json.loads(results.read_text())["results"]}
        assert "model.safety_warehouse.fct_lab_result" in built and "model.safety_warehouse.fct_adverse_event" not in built
        assert not any(uid.startswith("unit_test.") for uid in built)
        con = duckdb.connect(str(pipeline.warehouse), read_only=True)
        try:
            (aval,) = con.execute("select aval from marts.fct_lab_result where usubjid = ? and lbseq = ? "
                                  "and dtype is null and eotfl = 'N'", list(seq)).fetchone()
            assert aval == corrected
            loads = con.execute("select domain, action from raw.load_log where run_id = ?",
                                [summary.run_ids["cdiscpilot01"]]).fetchall()
            assert loads == [("lb", "loaded")]
        finally:
            con.close()
        assert up_to_date("cdiscpilot01") is not None  # published, and nothing left to do
    finally:
        monkeypatch.setenv("SAFETY_RAW_DIR", str(original_raw))
        restored = run_pipeline(["cdiscpilot01"])
        assert restored.ok, restored.failures
        assert "raw__ae" not in restored.timings["studies"]["cdiscpilot01"]["steps"]

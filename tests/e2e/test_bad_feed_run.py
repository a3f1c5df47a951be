"""A run on a bad feed fails that domain's asset with a clear message, stops everything downstream,
and leaves both the warehouse's previous rows and the published copy untouched."""

from __future__ import annotations

import hashlib
import os
import shutil

import duckdb
import pytest

from safety_warehouse import paths

PILOT = paths.PROJECT_ROOT / "data" / "raw" / "cdiscpilot01"


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def bad_run(pipeline, tmp_path_factory):
    base = tmp_path_factory.mktemp("bad_run")
    warehouse = base / "warehouse" / "safety.duckdb"
    published = warehouse.parent / "published" / warehouse.name
    published.parent.mkdir(parents=True)
    shutil.copyfile(pipeline.warehouse, warehouse)
    shutil.copyfile(pipeline.warehouse.parent / "published" / pipeline.warehouse.name, published)
    raw = base / "raw" / "cdiscpilot01"
    shutil.copytree(PILOT, raw)
    (raw / "ae.xpt").write_bytes((PILOT / "ae.xpt").read_bytes()[:4000])  # truncated transfer
    env = {"SAFETY_WAREHOUSE_DB": str(warehouse), "SAFETY_RAW_DIR": str(base / "raw"),
           "SAFETY_OUTPUTS_DIR": str(base / "outputs"), "DAGSTER_HOME": str(base / "dagster_home")}
    saved = {k: os.environ.get(k) for k in env}
    before = {"published": _sha(published)}
    con = duckdb.connect(str(warehouse), read_only=True)
    before["ae"] = con.execute("select * from raw.ae order by all").fetchall()
    before["log"] = con.execute("select count(*) from raw.load_log").fetchone()[0]
    con.close()
    os.environ.update(env)
    try:
        from orchestration.cli import run_pipeline

        summary = run_pipeline()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return summary, warehouse, published, before


def test_run_fails_naming_file_and_rule(bad_run):
    summary, *_ = bad_run
    assert not summary.ok
    message = "\n".join(summary.failures)
    assert "raw__ae" in message and "ae.xpt" in message and "FEED-READABLE" in message


def test_previous_rows_and_published_copy_unchanged(bad_run):
    summary, warehouse, published, before = bad_run
    assert _sha(published) == before["published"]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select * from raw.ae order by all").fetchall() == before["ae"]
        # the eight good feeds were recognised as unchanged; nothing was logged for AE
        rows = con.execute("select domain, action from raw.load_log where run_id = ?",
                           [summary.run_ids["cdiscpilot01"]]).fetchall()
        assert sorted(d for d, _ in rows) == ["dm", "ds", "ex", "lb", "suppae", "supplb", "sv", "vs"]
        assert {a for _, a in rows} == {"unchanged"}
    finally:
        con.close()


def test_downstream_did_not_run(bad_run):
    import dagster as dg

    summary, warehouse, *_ = bad_run
    home = warehouse.parent.parent / "dagster_home"
    with dg.DagsterInstance.from_config(str(home)) as instance:
        run_id = summary.run_ids["cdiscpilot01"]
        records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
        materialized = {r.event_log_entry.dagster_event.asset_key.to_user_string() for r in records}
    assert "raw/ae" not in materialized
    assert not any(k.startswith(("staging/", "marts/", "reports/", "published/")) for k in materialized)

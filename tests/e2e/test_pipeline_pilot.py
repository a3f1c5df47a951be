"""The whole pipeline on CDISC Pilot 01, materialised through Dagster into a temporary warehouse."""

from __future__ import annotations

import pyarrow.parquet as pq
import pyreadstat
import pytest

from orchestration.lib import paths

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

    second = run_pipeline(["cdiscpilot01"])
    assert second.ok
    import duckdb

    con = duckdb.connect(str(pipeline.warehouse), read_only=True)
    try:
        after = {d: con.execute(f"select count(*) from raw.{d}").fetchone()[0] for d in before}
        assert after == before
        actions = con.execute(
            "select action, count(*) from raw.load_log where run_id = ? group by action",
            [second.run_ids["cdiscpilot01"]]).fetchall()
        assert dict(actions) == {"unchanged": 9}
        assert con.execute("select count(*) from staging.stg_ae").fetchone()[0] == 1191
    finally:
        con.close()

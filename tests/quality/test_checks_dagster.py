"""The suites as Dagster asset checks: materialise the raw assets of a small study with a
downstream asset, and see a blocking ERROR stop it, a WARN let it run, and a corrected feed
resolve the findings."""


import os

import dagster as dg
import duckdb
import pytest
from quality_corpus import SQL_DROP
from quality_support import STUDY, write_feed

DOMAINS = ("dm", "ae")
PROBE = "reports.dq_downstream_probe"


@pytest.fixture()
def small_study(subset, tmp_path, monkeypatch):
    raw = tmp_path / "raw" / STUDY
    for d in DOMAINS:
        write_feed(subset.tables[d], raw / f"{d}.parquet")
    monkeypatch.setenv("SAFETY_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("SAFETY_WAREHOUSE_DB", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SAFETY_OUTPUTS_DIR", str(tmp_path / "outputs"))
    return raw


def _job():
    from orchestration.defs.ingest.assets import build_raw_assets
    from orchestration.defs.quality.checks import build_checks
    from orchestration.lib.partitions import study_partitions
    from safety_warehouse.warehouse import connect

    @dg.asset(key=["reports", "dq_downstream_probe"], deps=[dg.AssetKey(["raw", "ae"])],
              partitions_def=study_partitions())
    def downstream(context: dg.AssetExecutionContext) -> None:
        with connect() as con:
            con.execute(f"create table if not exists {PROBE} (run_id varchar, ae_rows bigint)")
            n = con.execute("select count(*) from raw.ae").fetchone()[0]
            con.execute(f"insert into {PROBE} values (?, ?)", [context.run.run_id, n])

    from orchestration.defs.warehouse import RESOURCE_KEY, RunWarehouse

    defs = dg.Definitions(assets=[*build_raw_assets(), downstream],
                          asset_checks=build_checks(), resources={RESOURCE_KEY: RunWarehouse()})
    return defs.resolve_implicit_global_asset_job_def()


def _run(job):
    return job.execute_in_process(partition_key=STUDY, instance=dg.DagsterInstance.ephemeral(),
                                  raise_on_error=False)


def _checks(result) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def _probe_rows() -> list[tuple]:
    con = duckdb.connect(os.environ["SAFETY_WAREHOUSE_DB"], read_only=True)
    try:
        return con.execute(f"select run_id, ae_rows from {PROBE} order by run_id").fetchall()
    finally:
        con.close()


def _findings(rule_id: str) -> list[tuple]:
    con = duckdb.connect(os.environ["SAFETY_WAREHOUSE_DB"], read_only=True)
    try:
        return con.execute("select usubjid, seq, value, status, run_id from quality.dq_findings where rule_id = ?",
                           [rule_id]).fetchall()
    finally:
        con.close()


def test_checks_are_defined_per_rule_with_blocking_errors(small_study):
    from expectations import catalogue
    from orchestration.defs.quality.checks import build_checks

    specs = {s.key.name: s for c in build_checks() for s in c.check_specs}
    for domain in DOMAINS:
        for rule in catalogue.rules_for(f"raw.{domain}"):
            spec = specs[rule.check_name]
            assert spec.asset_key == dg.AssetKey(["raw", domain])
            assert spec.blocking is (rule.severity == "ERROR")
    # the cross-table rule waits for the table it reads
    assert dg.AssetKey(["raw", "dm"]) in {d.asset_key for d in specs["AE_SUBJECT_IN_DM"].additional_deps}


def test_error_blocks_downstream_warn_does_not_and_fix_resolves(small_study, subset):
    job = _job()

    # 1. good feeds: every ERROR check passes, the downstream asset runs
    first = _run(job)
    assert first.success
    assert all(e.passed or e.severity == dg.AssetCheckSeverity.WARN for e in _checks(first).values())
    assert [r[0] for r in _probe_rows()] == [first.run_id]

    # 2. a coded value that is not controlled terminology (and looks like SQL): blocked
    bad = [dict(r) for r in subset.tables["ae"].to_pylist()]
    bad[0]["AESEV"] = SQL_DROP
    write_feed(_table(bad, subset.tables["ae"]), small_study / "ae.parquet")
    second = _run(job)
    assert not second.success
    check = _checks(second)["AE_AESEV_CT"]
    assert check.passed is False and check.severity == dg.AssetCheckSeverity.ERROR
    meta = check.metadata
    assert meta["rule_id"].value == "AE-AESEV-CT"
    assert meta["unexpected_count"].value == 1
    assert 0 < meta["unexpected_percent"].value <= 100
    assert bad[0]["USUBJID"] in meta["failing_records_sample"].value
    assert os.path.exists(meta["data_docs"].value)
    assert "1 of" in check.description and "controlled terminology" in check.description
    downstream_steps = [e for e in second.all_events
                        if e.is_step_success and e.step_key and "dq_downstream_probe" in e.step_key]
    assert downstream_steps == []
    assert [r[0] for r in _probe_rows()] == [first.run_id]  # the previous good table is unchanged
    con = duckdb.connect(os.environ["SAFETY_WAREHOUSE_DB"], read_only=True)
    try:
        assert con.execute("select count(*) from raw.dm").fetchone()[0] == subset.tables["dm"].num_rows
    finally:
        con.close()
    [(usubjid, seq, value, status, run_id)] = _findings("AE-AESEV-CT")
    assert (usubjid, value, status, run_id) == (bad[0]["USUBJID"], SQL_DROP, "open", second.run_id)

    # 3. corrected severity, but a partial onset date (WARN): runs, and the ERROR finding is resolved
    fixed = [dict(r) for r in subset.tables["ae"].to_pylist()]
    target = next(r for r in fixed if r["AESTDTC"] and len(r["AESTDTC"]) == 10 and not r["AEENDTC"])
    target["AESTDTC"] = target["AESTDTC"][:7]
    write_feed(_table(fixed, subset.tables["ae"]), small_study / "ae.parquet")
    third = _run(job)
    assert third.success
    checks = _checks(third)
    assert checks["AE_AESEV_CT"].passed
    assert checks["AE_DTC_PARTIAL"].passed is False
    assert checks["AE_DTC_PARTIAL"].severity == dg.AssetCheckSeverity.WARN
    assert third.run_id in [r[0] for r in _probe_rows()]
    [(_u, _s, _v, status, run_id)] = _findings("AE-AESEV-CT")
    assert (status, run_id) == ("resolved", third.run_id)
    assert [f[3] for f in _findings("AE-DTC-PARTIAL")] == ["open"]


def _table(records, like):
    import pyarrow as pa

    return pa.table({n: pa.array([r.get(n) for r in records], pa.string()) for n in like.column_names})

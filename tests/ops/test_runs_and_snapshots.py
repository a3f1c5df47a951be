"""Run bookkeeping without a pipeline: dead runs are marked failed, the writer lock queues writers,
a run's file becomes the working state only at its end, and rollback points the published file at an
earlier snapshot atomically."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import dagster as dg
import duckdb
import pytest

from safety_warehouse import paths


@pytest.fixture()
def warehouse_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("SAFETY_WAREHOUSE_DB", raising=False)
    monkeypatch.setenv("SAFETY_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    return tmp_path / "warehouse"


def test_dead_run_is_marked_failed_and_live_run_is_not():
    from orchestration.defs.pipeline import dead_run_monitor
    from orchestration.lib.run_monitor import HOST_TAG, PID_TAG, START_TAG, _process_start, process_tags

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.2)"])
    dead_tags = {PID_TAG: str(child.pid), HOST_TAG: process_tags()[HOST_TAG],
                 START_TAG: _process_start(child.pid) or "0"}
    child.wait()
    job = dg.GraphDefinition(name="noop", node_defs=[]).to_job()
    with dg.instance_for_test() as instance:
        dead = instance.create_run_for_job(job, tags=dead_tags, status=dg.DagsterRunStatus.STARTED)
        live = instance.create_run_for_job(job, tags=process_tags(), status=dg.DagsterRunStatus.STARTED)
        reused = instance.create_run_for_job(job, tags={**process_tags(), START_TAG: "1"},
                                             status=dg.DagsterRunStatus.STARTED)  # same pid, other process
        result = dead_run_monitor(dg.build_sensor_context(instance=instance))
        assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(reused.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(live.run_id).status == dg.DagsterRunStatus.STARTED
        assert dead.run_id in result.skip_message


def test_writer_lock_queues_a_second_writer(warehouse_dir):
    from safety_warehouse.warehouse import WriterBusy, writer_lock

    order = []
    with writer_lock():
        with pytest.raises(WriterBusy, match="held by pid"):
            with writer_lock(wait_seconds=0.5):
                pass

        def second():
            with writer_lock(wait_seconds=30, on_wait=lambda m: order.append("waited")):
                order.append("second")

        t = threading.Thread(target=second)
        t.start()
        time.sleep(1.0)
        order.append("first done")
    t.join(timeout=30)
    assert order == ["waited", "first done", "second"]


def test_run_file_becomes_the_state_only_at_its_end(warehouse_dir):
    from safety_warehouse.warehouse import begin_run_file, commit_run_file, connect

    state = paths.state_path()
    with connect(path=begin_run_file("r1")) as con:
        con.execute("create table raw.t as select 1 as x")
    assert not state.exists()
    assert commit_run_file("r1")
    assert oct(state.stat().st_mode & 0o777) == "0o444"
    run2 = begin_run_file("r2")
    with connect(path=run2) as con:
        con.execute("insert into raw.t values (2)")
    # an unfinished (killed) run leaves the state as it was
    assert duckdb.connect(str(state), read_only=True).execute("select count(*) from raw.t").fetchone()[0] == 1
    begin_run_file("r3")  # the next run prunes nothing it needs and starts from the state again
    with connect(path=paths.runs_dir() / "r3.duckdb", read_only=True) as con:
        assert con.execute("select count(*) from raw.t").fetchone()[0] == 1
    assert run2.exists()  # kept for inspection


def _publish(run_id: str, value: int) -> None:
    from safety_warehouse.publish import publish_warehouse
    from safety_warehouse.warehouse import begin_run_file, commit_run_file, connect

    path = begin_run_file(run_id)
    with connect(path=path) as con:
        con.execute("create or replace table marts.v as select ? as value", [value])
    paths.set_active_run_file(path)
    try:
        publish_warehouse(run_id, study="s")
    finally:
        paths.set_active_run_file(None)
    commit_run_file(run_id)


def _published_value() -> int:
    """Read by another process, as an analyst would (DuckDB reuses a file already open in this one)."""
    from safety_warehouse.publish import published_path

    out = subprocess.run([sys.executable, "-c", "import duckdb, sys; print(duckdb.connect(sys.argv[1], "
                          "read_only=True).execute('select value from marts.v').fetchone()[0])",
                          str(published_path())], capture_output=True, text=True, check=True)
    return int(out.stdout)


def test_snapshots_are_kept_listed_and_rolled_back(warehouse_dir, monkeypatch):
    from safety_warehouse.publish import RollbackError, list_snapshots, published_path, rollback

    monkeypatch.setenv("SAFETY_KEEP_SNAPSHOTS", "3")
    for i in range(1, 5):
        _publish(f"run{i}", i)
    kept = list_snapshots()
    assert [s.run_id for s in kept] == ["run4", "run3", "run2"] and kept[0].current
    assert _published_value() == 4
    assert oct(published_path().stat().st_mode & 0o777) == "0o444"
    con = duckdb.connect(str(published_path()), read_only=True)
    history = con.execute("select run_id from raw.published_snapshots order by published_at").fetchall()
    con.close()
    assert [r[0] for r in history] == ["run1", "run2", "run3", "run4"]

    reader = duckdb.connect(str(published_path()), read_only=True)  # a reader of run4's snapshot
    assert rollback().run_id == "run3" and _published_value() == 3
    assert reader.execute("select value from marts.v").fetchone()[0] == 4
    reader.close()
    assert rollback(to_run="run2").run_id == "run2" and _published_value() == 2
    with pytest.raises(RollbackError, match="no snapshot of run run1"):
        rollback(to_run="run1")
    with pytest.raises(RollbackError, match="older than the current"):
        rollback()


def test_cli_sql_and_snapshots_on_a_published_warehouse(warehouse_dir):
    _publish("runA", 7)
    env = {k: v for k, v in os.environ.items() if k != "SAFETY_WAREHOUSE_DB"}
    env["SAFETY_WAREHOUSE_DIR"] = str(warehouse_dir)
    env["DAGSTER_HOME"] = str(warehouse_dir.parent / "dh")
    cli = os.path.join(os.path.dirname(sys.executable), "safety-warehouse")
    out = subprocess.run([cli, "sql", "select value * 6 as answer from marts.v"], env=env, capture_output=True,
                         text=True)
    assert out.returncode == 0 and "42" in out.stdout
    listed = subprocess.run([cli, "snapshots"], env=env, capture_output=True, text=True)
    assert listed.returncode == 0 and "* runA" in listed.stdout
    shell = subprocess.run([cli, "shell"], env=env, capture_output=True, text=True,
                           input="select value\n from marts.v;\ndrop table marts.v;\n.quit\n")
    assert shell.returncode == 0 and "7" in shell.stdout and "read-only" in shell.stdout

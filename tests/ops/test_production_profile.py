"""Dagster instance profiles: the dagster.yaml each profile writes, and the production profile for
real: a pipeline run through the command line and the daemon, both on a PostgreSQL instance.

The PostgreSQL tests need a server: SAFETY_PG_HOST, SAFETY_PG_PORT, SAFETY_PG_USER,
SAFETY_PG_PASSWORD and SAFETY_PG_DB (.ci/run starts a throwaway one and sets them). The role must be
allowed to create databases: each test works in a database of its own, dropped afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml

from safety_warehouse import paths
from orchestration.lib import runtime

BIN = Path(sys.executable).parent
PG_VARS = ("SAFETY_PG_HOST", "SAFETY_PG_PORT", "SAFETY_PG_USER", "SAFETY_PG_PASSWORD", "SAFETY_PG_DB")
STUDY = "cdiscpilot01"
DAEMONS = {"SCHEDULER", "SENSOR", "QUEUED_RUN_COORDINATOR", "MONITORING"}


@pytest.fixture()
def clean_env():
    """Run with the process environment restored afterwards, whatever the test changed."""
    saved = dict(os.environ)
    for var in (runtime.PROFILE_VAR, *PG_VARS):
        os.environ.pop(var, None)
    yield os.environ
    os.environ.clear()
    os.environ.update(saved)


# --- profiles (no server needed) -----------------------------------------------------------------

def test_local_profile_then_switch(tmp_path, clean_env):
    from dagster._config import process_config
    from dagster._core.instance.config import dagster_instance_config
    from dagster._core.storage.config import pg_config
    from dagster_postgres.utils import pg_url_from_config
    from sqlalchemy.engine import make_url

    home = tmp_path / "dagster_home"
    clean_env["DAGSTER_HOME"] = str(home)
    clean_env["SAFETY_WAREHOUSE_DB"] = str(tmp_path / "left-alone.duckdb")
    yaml_path = home / "dagster.yaml"

    assert runtime.prepare_environment() == home.resolve()
    local = yaml.safe_load(yaml_path.read_text())
    assert "storage" not in local  # SQLite under DAGSTER_HOME
    assert local["telemetry"] == {"enabled": False}
    assert local["run_monitoring"]["enabled"] is True
    assert local["run_monitoring"]["max_resume_run_attempts"] == 0
    assert local["run_monitoring"]["start_timeout_seconds"] > 0
    assert local["run_monitoring"]["cancel_timeout_seconds"] > 0
    assert local["run_monitoring"]["max_runtime_seconds"] > 0
    coordinator = local["run_coordinator"]
    assert coordinator["class"] == "QueuedRunCoordinator"
    assert coordinator["config"]["max_concurrent_runs"] == 1
    assert coordinator["config"]["tag_concurrency_limits"] == [{"key": "safety/writer", "limit": 1}]
    from orchestration.defs.pipeline import safety_pipeline

    assert safety_pipeline.tags.get("safety/writer") == "warehouse"  # the tag the limit counts
    # runtime.py leaves the warehouse location to paths.py
    assert os.environ["SAFETY_WAREHOUSE_DB"] == str(tmp_path / "left-alone.duckdb")
    assert os.environ["DAGSTER_DISABLE_TELEMETRY"] and os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"]

    # the instance Dagster builds from it
    import dagster as dg
    from dagster._core.run_coordinator import QueuedRunCoordinator

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_max_resume_run_attempts == 0
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        assert "MONITORING" in instance.get_required_daemon_types()

    # unchanged profile: the file is left as it is
    inode = yaml_path.stat().st_ino
    runtime.prepare_environment()
    assert yaml_path.stat().st_ino == inode

    # production without its settings: the error names what is missing, the file is kept
    clean_env[runtime.PROFILE_VAR] = "production"
    with pytest.raises(runtime.InstanceProfileError, match="SAFETY_PG_USER.*SAFETY_PG_PASSWORD.*SAFETY_PG_DB"):
        runtime.prepare_environment()
    assert yaml.safe_load(yaml_path.read_text()) == local
    clean_env.update(SAFETY_PG_USER="safety", SAFETY_PG_PASSWORD="secret")
    with pytest.raises(runtime.InstanceProfileError, match="SAFETY_PG_DB"):
        runtime.prepare_environment()
    clean_env["SAFETY_PG_DB"] = "safety_dagster"
    clean_env["SAFETY_PG_PORT"] = "postgres"
    with pytest.raises(runtime.InstanceProfileError, match="SAFETY_PG_PORT"):
        runtime.prepare_environment()
    del clean_env["SAFETY_PG_PORT"]

    # switching profile rewrites the file
    runtime.prepare_environment()
    production = yaml.safe_load(yaml_path.read_text())
    assert production["storage"] == {"postgres": {"postgres_db": {
        "scheme": "postgresql+psycopg2", "hostname": {"env": "SAFETY_PG_HOST"}, "port": {"env": "SAFETY_PG_PORT"},
        "username": {"env": "SAFETY_PG_USER"}, "password": {"env": "SAFETY_PG_PASSWORD"},
        "db_name": {"env": "SAFETY_PG_DB"}}}}
    assert {k: v for k, v in production.items() if k != "storage"} == local
    assert (os.environ["SAFETY_PG_HOST"], os.environ["SAFETY_PG_PORT"]) == ("127.0.0.1", "5432")
    config, _ = dagster_instance_config(str(home))  # valid against Dagster's schema
    resolved = process_config(pg_config(), config["storage"]["postgres"])  # as the storage reads it
    assert resolved.success, resolved.errors
    db = resolved.value["postgres_db"]
    assert (db["hostname"], db["port"], db["username"], db["password"], db["db_name"]) == (
        "127.0.0.1", 5432, "safety", "secret", "safety_dagster")
    # the SQLAlchemy driver is psycopg2, the one dagster-postgres brings along
    assert make_url(pg_url_from_config(resolved.value)).get_dialect().driver == "psycopg2"

    # and back
    del clean_env[runtime.PROFILE_VAR]
    runtime.prepare_environment()
    assert yaml.safe_load(yaml_path.read_text()) == local
    assert yaml_path.read_text() == runtime.dagster_yaml("local")

    clean_env[runtime.PROFILE_VAR] = "staging"
    with pytest.raises(runtime.InstanceProfileError, match="staging"):
        runtime.prepare_environment()


# --- PostgreSQL ----------------------------------------------------------------------------------

def _server_settings() -> dict[str, str]:
    if not all(os.environ.get(v) for v in ("SAFETY_PG_HOST", "SAFETY_PG_USER", "SAFETY_PG_DB")):
        pytest.skip("no PostgreSQL server: SAFETY_PG_HOST, SAFETY_PG_USER and SAFETY_PG_DB are not set "
                    "(.ci/run starts one)")
    return {"SAFETY_PG_HOST": os.environ["SAFETY_PG_HOST"],
            "SAFETY_PG_PORT": os.environ.get("SAFETY_PG_PORT") or "5432",
            "SAFETY_PG_USER": os.environ["SAFETY_PG_USER"],
            "SAFETY_PG_PASSWORD": os.environ.get("SAFETY_PG_PASSWORD", ""),
            "SAFETY_PG_DB": os.environ["SAFETY_PG_DB"]}


def _connect(settings: dict[str, str], db: str | None = None):
    import psycopg2

    return psycopg2.connect(host=settings["SAFETY_PG_HOST"], port=int(settings["SAFETY_PG_PORT"]),
                            user=settings["SAFETY_PG_USER"], password=settings["SAFETY_PG_PASSWORD"],
                            dbname=db or settings["SAFETY_PG_DB"], connect_timeout=10)


@pytest.fixture()
def pg_database():
    """SAFETY_PG_* for a database created for this test and dropped after it."""
    import psycopg2
    from psycopg2 import sql

    settings = _server_settings()
    try:
        admin = _connect(settings)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"PostgreSQL at {settings['SAFETY_PG_HOST']}:{settings['SAFETY_PG_PORT']} "
                    f"does not accept the connection: {str(exc).strip()}")
    admin.autocommit = True
    name = f"safety_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    except psycopg2.Error as exc:
        admin.close()
        pytest.skip(f"role {settings['SAFETY_PG_USER']} cannot create a database for the test: {exc}")
    try:
        yield {**settings, "SAFETY_PG_DB": name}
    finally:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        admin.close()


def _production_env(tmp_path: Path, pg: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFETY_", "DAGSTER_"))}
    env.update(pg, DAGSTER_HOME=str(tmp_path / "dagster_home"), SAFETY_DAGSTER_PROFILE="production",
               SAFETY_WAREHOUSE_DB=str(tmp_path / "warehouse" / "safety.duckdb"),
               SAFETY_OUTPUTS_DIR=str(tmp_path / "outputs"),
               DBT_SEND_ANONYMOUS_USAGE_STATS="false", GX_ANALYTICS_ENABLED="false",
               DAGSTER_DISABLE_TELEMETRY="true")
    return env


def _group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


def _stop_group(proc: subprocess.Popen, grace: float = 30) -> None:
    """Stop a process started in a session of its own and everything it started, within bounds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if proc.poll() is not None and not _group_members(proc.pid):
                return
            time.sleep(0.5)
    raise AssertionError(f"processes {_group_members(proc.pid)} of group {proc.pid} still running after SIGKILL")


def test_cli_run_recorded_in_postgres(tmp_path, pg_database, monkeypatch):
    """One study partition of the real pipeline through `safety-warehouse run` on the production
    instance: the run, its events and its materialisations are in PostgreSQL."""
    import dagster as dg
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

    env = _production_env(tmp_path, pg_database)
    log = tmp_path / "cli.log"
    started = time.monotonic()
    with open(log, "w") as fh:
        proc = subprocess.Popen([str(BIN / "safety-warehouse"), "run", STUDY], cwd=paths.PROJECT_ROOT,
                                env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = proc.wait(timeout=1200)
        finally:
            if proc.returncode is None:
                _stop_group(proc, grace=10)
    output = log.read_text()
    assert rc == 0, f"safety-warehouse run failed (exit {rc}) after {time.monotonic() - started:.0f}s:\n{output[-6000:]}"

    home = Path(env["DAGSTER_HOME"])
    assert "postgres:" in (home / "dagster.yaml").read_text()
    for var, value in pg_database.items():
        monkeypatch.setenv(var, value)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": STUDY}))
        assert len(runs) == 1, runs
        run = runs[0]
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.tags.get("safety/writer") == "warehouse"
        assert run.run_id in output
        for key in (["raw", "dm"], ["raw", "ae"]):
            event = instance.get_latest_materialization_event(dg.AssetKey(key))
            assert event is not None, key
            assert event.run_id == run.run_id
            assert event.asset_materialization.partition == STUDY

    # read back from the database itself, not through Dagster
    with _connect(pg_database) as con, con.cursor() as cur:
        cur.execute("select status from runs where run_id = %s", (run.run_id,))
        assert cur.fetchall() == [("SUCCESS",)]
        cur.execute("select count(*) from event_logs where run_id = %s and dagster_event_type = "
                    "'ASSET_MATERIALIZATION'", (run.run_id,))
        assert cur.fetchone()[0] > 0
    con.close()
    assert not (home / "history").exists()  # nothing fell back to SQLite


def test_daemon_on_postgres(tmp_path, pg_database, monkeypatch):
    """dagster-daemon on the production instance: the scheduler, sensor, run-queue and monitoring
    daemons beat into PostgreSQL, keep beating, and the daemon stops cleanly."""
    import dagster as dg

    env = _production_env(tmp_path, pg_database)
    for var, value in env.items():
        if var.startswith(("SAFETY_", "DAGSTER_")):
            monkeypatch.setenv(var, value)
    home = runtime.prepare_environment()
    assert home == Path(env["DAGSTER_HOME"]).resolve()

    log = tmp_path / "daemon.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w", str(paths.PROJECT_ROOT / "workspace.yaml")],
                                cwd=paths.PROJECT_ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            assert DAEMONS <= set(instance.get_required_daemon_types())
            first: dict[str, float] = {}
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                assert proc.poll() is None, f"dagster-daemon exited ({proc.returncode}):\n{log.read_text()[-4000:]}"
                beats = instance.get_daemon_heartbeats()
                for kind in DAEMONS & beats.keys():
                    first.setdefault(kind, beats[kind].timestamp)
                later = {k for k in first if beats[k].timestamp > first[k]}
                if later == DAEMONS:
                    break
                time.sleep(2)
            else:
                raise AssertionError(f"heartbeats of {sorted(DAEMONS - first.keys())} never came and of "
                                     f"{sorted(DAEMONS - later)} never renewed:\n{log.read_text()[-4000:]}")
            for kind in DAEMONS:
                assert not beats[kind].errors, (kind, beats[kind].errors)

        check = subprocess.run([str(BIN / "dagster-daemon"), "liveness-check"], cwd=paths.PROJECT_ROOT, env=env,
                               capture_output=True, text=True, timeout=120)
        assert check.returncode == 0 and "Daemon live" in check.stdout, check.stdout + check.stderr
    finally:
        _stop_group(proc)
    assert proc.returncode is not None

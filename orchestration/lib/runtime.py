"""Process environment for running the pipeline: a persistent Dagster instance with telemetry off.

The instance (DAGSTER_HOME/dagster.yaml) comes in two profiles, chosen by SAFETY_DAGSTER_PROFILE:

local       (default) runs, event logs and schedules in SQLite files under DAGSTER_HOME
production  runs, event logs and schedules in PostgreSQL (dagster-postgres); the connection is read
            from the environment each time a process loads the instance:
              SAFETY_PG_HOST      server host      (default 127.0.0.1)
              SAFETY_PG_PORT      server port      (default 5432)
              SAFETY_PG_USER      role             (required)
              SAFETY_PG_PASSWORD  role's password  (required; may be empty for trust or peer auth)
              SAFETY_PG_DB        database         (required)
            `safety-warehouse` fills in the two defaults; a dagster-daemon or dagster-webserver
            started on its own needs all five variables in its environment.

Both profiles queue runs so that one writes the warehouse at a time (DuckDB admits one writing
process): at most one run in progress, and at most one run tagged `safety/writer`, which every
pipeline run carries. Both enable run monitoring, so the daemon fails runs that never start, never
finish cancelling or overrun, and frees the writer slot they held.

dagster.yaml is rewritten whenever it differs from the selected profile's, so switching profile
takes effect on the next command; change the templates here rather than the file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from safety_warehouse import paths

PROFILE_VAR = "SAFETY_DAGSTER_PROFILE"
DEFAULT_PROFILE = "local"
WRITER_TAG = "safety/writer"

PG_DEFAULTS = {"SAFETY_PG_HOST": "127.0.0.1", "SAFETY_PG_PORT": "5432"}
PG_REQUIRED = {
    "SAFETY_PG_USER": "the PostgreSQL role",
    "SAFETY_PG_PASSWORD": "that role's password (empty for trust or peer authentication)",
    "SAFETY_PG_DB": "the database holding the Dagster runs, event logs and schedules",
}

_COMMON = """\
telemetry:
  enabled: false
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 1       # DuckDB admits one writing process: runs queue one after another
    tag_concurrency_limits:
      - key: safety/writer       # every pipeline run carries safety/writer: warehouse
        limit: 1
run_monitoring:                  # done by the daemon (dagster dev, dagster-daemon run)
  enabled: true
  start_timeout_seconds: 300     # a launched run that has not started by then is failed
  cancel_timeout_seconds: 300    # a run still cancelling after this is marked canceled
  max_runtime_seconds: 10800     # a run still in progress after 3 h (its process died or hangs) is failed
  max_resume_run_attempts: 0     # the default run launcher cannot resume a run: fail it instead
  poll_interval_seconds: 60
"""

PROFILES = {
    "local": (
        "# Dagster instance of the safety warehouse, profile local (SAFETY_DAGSTER_PROFILE).\n"
        "# Written by orchestration/lib/runtime.py and rewritten when it differs: edit the template there.\n"
        "# Runs, event logs and schedules are SQLite files under this directory.\n"
        + _COMMON
    ),
    "production": (
        "# Dagster instance of the safety warehouse, profile production (SAFETY_DAGSTER_PROFILE).\n"
        "# Written by orchestration/lib/runtime.py and rewritten when it differs: edit the template there.\n"
        "# Runs, event logs and schedules are in PostgreSQL; the connection is read from SAFETY_PG_HOST,\n"
        "# SAFETY_PG_PORT, SAFETY_PG_USER, SAFETY_PG_PASSWORD and SAFETY_PG_DB whenever the instance loads.\n"
        "# Compute logs and local artifacts stay under this directory.\n"
        "storage:\n"
        "  postgres:\n"
        "    postgres_db:\n"
        "      scheme: postgresql+psycopg2   # the driver dagster-postgres installs (SQLAlchemy 2.1\n"
        "                                    # would pick psycopg 3 for a bare postgresql:// URL)\n"
        "      hostname:\n"
        "        env: SAFETY_PG_HOST\n"
        "      port:\n"
        "        env: SAFETY_PG_PORT\n"
        "      username:\n"
        "        env: SAFETY_PG_USER\n"
        "      password:\n"
        "        env: SAFETY_PG_PASSWORD\n"
        "      db_name:\n"
        "        env: SAFETY_PG_DB\n"
        + _COMMON
    ),
}

class InstanceProfileError(RuntimeError):
    """The selected Dagster instance profile cannot be used as configured."""


def selected_profile() -> str:
    profile = (os.environ.get(PROFILE_VAR) or DEFAULT_PROFILE).strip().lower()
    if profile not in PROFILES:
        raise InstanceProfileError(
            f"{PROFILE_VAR}={os.environ.get(PROFILE_VAR)!r} is not a Dagster instance profile: "
            f"use one of {', '.join(sorted(PROFILES))}")
    return profile


def dagster_yaml(profile: str) -> str:
    """The dagster.yaml text of a profile."""
    return PROFILES[profile]


def _check_postgres_settings() -> None:
    """Fill in the host and port defaults and fail, naming the variable, when one is missing."""
    for var, default in PG_DEFAULTS.items():
        if not os.environ.get(var):
            os.environ[var] = default
    missing = [var for var in PG_REQUIRED if var not in os.environ]
    if missing:
        needed = "; ".join(f"{var} ({PG_REQUIRED[var]})" for var in missing)
        raise InstanceProfileError(
            f"{PROFILE_VAR}=production keeps the Dagster runs in PostgreSQL and needs "
            f"{', '.join(missing)} to be set: {needed}")
    for var in ("SAFETY_PG_USER", "SAFETY_PG_DB"):
        if not os.environ[var].strip():
            raise InstanceProfileError(f"{var} is set but empty: it must name {PG_REQUIRED[var]}")
    port = os.environ["SAFETY_PG_PORT"]
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise InstanceProfileError(f"SAFETY_PG_PORT={port!r} is not a TCP port number")


def _write_if_changed(path: Path, text: str) -> None:
    """Replace the file atomically when its content differs (concurrent readers see old or new)."""
    try:
        if path.read_text() == text:
            return
    except FileNotFoundError:
        pass
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prepare_environment() -> Path:
    """Set the variables every component needs, write the selected profile's dagster.yaml;
    return DAGSTER_HOME."""
    profile = selected_profile()
    if profile == "production":
        _check_postgres_settings()
    home = Path(os.environ.get("DAGSTER_HOME") or paths.PROJECT_ROOT / ".dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    _write_if_changed(home / "dagster.yaml", dagster_yaml(profile))
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    return home


def import_in_background(*modules: str) -> None:
    """Start importing `modules` in a daemon thread, so that their import (Great Expectations takes
    seconds) overlaps the run's first steps, which spend their time in DuckDB. Called once the
    definitions (dagster, dbt, pandas) are imported, so the two threads share no module still being
    imported. A failure here is left to the step that imports the module itself."""
    import importlib
    import threading

    def work() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # the step's own import reports it
                return

    threading.Thread(target=work, name="import-" + "-".join(modules), daemon=True).start()

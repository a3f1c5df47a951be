"""The dbt project as Dagster sees it: one cached DbtProject, a manifest parsed only when stale."""

from __future__ import annotations

import fcntl
import importlib.metadata
import os
from contextlib import contextmanager
import sys
from functools import cached_property, lru_cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from safety_warehouse import paths
from safety_warehouse.warehouse import MEMORY_LIMIT_VAR, duckdb_config

# files whose change makes the parsed manifest stale
_SOURCE_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md"}


def dbt_executable() -> str:
    """The dbt installed beside this interpreter (the venv's), not whatever is on PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


# dbt re-parses the whole project whenever its connection settings change, the DuckDB path among
# them, and every run writes a file of its own (in a warehouse folder that a deployment, a test or a
# benchmark may place anywhere). dbt therefore opens the run's file through a hard link of constant
# path beside the parsed manifest, so that the partial parse made at install time stays valid for
# every run. (A symbolic link would not do: DuckDB names the catalog after the file a link resolves
# to.) One dbt at a time uses the link: a lock beside it is held for the whole dbt invocation.
DBT_LINK = paths.DBT_PROJECT_DIR / "target" / "run_warehouse.duckdb"


def _point_link(target: Path) -> Path:
    """Hard-link the constant path to `target`; the target itself where a link cannot be made (another
    file system: dbt then parses the project again, and is as correct). A WAL left beside the link by
    a dbt that was killed belongs to a failed run's file and is dropped, never replayed into another."""
    DBT_LINK.unlink(missing_ok=True)
    Path(f"{DBT_LINK}.wal").unlink(missing_ok=True)
    if not target.exists():
        return target
    try:
        os.link(target, DBT_LINK)
    except OSError:
        return target
    return DBT_LINK


@contextmanager
def dbt_database():
    """For one dbt invocation: the environment pointing dbt at the file this process writes now (the
    active run's file, else the working state) through the constant link, held under the link's lock."""
    DBT_LINK.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{DBT_LINK}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            dbt_env(_point_link(paths.warehouse_path()))
            yield
        finally:
            DBT_LINK.unlink(missing_ok=True)  # never keep a sealed file alive
            fcntl.flock(lock, fcntl.LOCK_UN)


def dbt_env(database: Path = DBT_LINK) -> None:
    """Environment every dbt invocation needs: the absolute path of the DuckDB file (by default the
    constant link, which is all that parsing needs) and no telemetry."""
    os.environ["SAFETY_DBT_DB"] = str(database)
    os.environ[MEMORY_LIMIT_VAR] = duckdb_config()["memory_limit"]  # profiles.yml reads it
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DBT_PARTIAL_PARSE", "true")


class WarehouseDbtCli(DbtCliResource):
    """dagster-dbt's command-line resource without two start-up costs that this project never uses,
    about 10 s of every run on 2 cores: asking the dbt executable for its version (a subprocess; the
    version is the installed dbt-core's) and loading a dbt adapter into the Dagster process (which only
    the row-count and column-metadata helpers need)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 - no adapter in this process
        return None


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for folder in ("models", "macros", "seeds", "tests", "snapshots", "analyses"):
        root = project_dir / folder
        if root.exists():
            for f in root.rglob("*"):
                if f.suffix in _SOURCE_SUFFIXES:
                    newest = max(newest, f.stat().st_mtime)
    for f in ("dbt_project.yml", "profiles.yml"):
        if (project_dir / f).exists():
            newest = max(newest, (project_dir / f).stat().st_mtime)
    return newest


def ensure_manifest(project: DbtProject) -> None:
    """Parse the project when its manifest is missing or older than any project file; else reuse it."""
    manifest = project.manifest_path
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(project.project_dir):
        return
    dbt_env()
    WarehouseDbtCli(project_dir=project, dbt_executable=dbt_executable()).cli(
        ["parse", "--quiet"], target_path=project.target_path).wait()


@lru_cache(maxsize=1)
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=paths.DBT_PROJECT_DIR, profiles_dir=paths.DBT_PROJECT_DIR, target="dev")
    ensure_manifest(project)
    return project

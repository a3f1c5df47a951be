"""The dbt project as Dagster sees it: one cached DbtProject, a manifest parsed only when stale."""

from __future__ import annotations

import importlib.metadata
import os
import sys
from functools import cached_property, lru_cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from safety_warehouse import paths

# files whose change makes the parsed manifest stale
_SOURCE_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md"}


def dbt_executable() -> str:
    """The dbt installed beside this interpreter (the venv's), not whatever is on PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


# dbt re-parses the whole project whenever its connection settings change, the DuckDB path among
# them, and every run writes a file of its own. dbt therefore opens the run's file through a hard link
# of constant name (a symbolic link would not do: DuckDB names the catalog after the file a link
# resolves to), so that the manifest parsed at install time stays valid for every run.
DBT_LINK_NAME = "dbt.duckdb"


def dbt_database_link() -> Path:
    """The constant path dbt opens: a hard link to the file this process writes now (the active run's
    file, else the working state) when that file exists. A WAL left beside the link by a dbt that was
    killed is dropped: it belongs to a failed run's file, never to be replayed into another."""
    link = paths.runs_dir() / DBT_LINK_NAME
    link.parent.mkdir(parents=True, exist_ok=True)
    target = paths.warehouse_path()
    release_dbt_database_link()
    Path(f"{link}.wal").unlink(missing_ok=True)
    if target.exists():
        os.link(target, link)
    return link


def release_dbt_database_link() -> None:
    """Remove the link once dbt has finished, so that it never keeps a sealed file alive."""
    (paths.runs_dir() / DBT_LINK_NAME).unlink(missing_ok=True)


def dbt_env() -> None:
    """Environment every dbt invocation needs: the absolute path (a link of constant name, see
    `dbt_database_link`) of the file this process writes now, and no telemetry."""
    os.environ["SAFETY_DBT_DB"] = str(dbt_database_link())
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

"""The dbt project as Dagster sees it: one cached DbtProject, a manifest parsed only when stale."""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from safety_warehouse import paths

# files whose change makes the parsed manifest stale
_SOURCE_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md"}


def dbt_executable() -> str:
    """The dbt installed beside this interpreter (the venv's), not whatever is on PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def dbt_env() -> None:
    """Environment every dbt invocation needs: the absolute path of the file this process writes
    now (a run's own file during a run) and no telemetry."""
    os.environ["SAFETY_DBT_DB"] = str(paths.warehouse_path())
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DBT_PARTIAL_PARSE", "true")


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
    DbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
        ["parse", "--quiet"], target_path=project.target_path).wait()


@lru_cache(maxsize=1)
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=paths.DBT_PROJECT_DIR, profiles_dir=paths.DBT_PROJECT_DIR, target="dev")
    ensure_manifest(project)
    return project

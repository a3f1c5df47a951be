"""Where things live. Every path is absolute; environment variables override defaults.

SAFETY_WAREHOUSE_DIR  the warehouse folder: published snapshots, working state, run files
                      (default <project>/warehouse; without it, the folder of SAFETY_WAREHOUSE_DB)
SAFETY_WAREHOUSE_DB   the working state, a private DuckDB file that only runs replace
                      (default <warehouse dir>/.work/safety.duckdb)
SAFETY_RAW_DIR        landed feeds, one folder per study (default <project>/data/raw)
SAFETY_STUDIES_DIR    study configuration          (default <project>/studies)
SAFETY_OUTPUTS_DIR    rendered tables, figures, docs (default <project>/outputs)

Analysts read `<warehouse dir>/published/safety.duckdb` (see safety_warehouse.publish). Inside a
run every connection opens the run's own file (see safety_warehouse.warehouse.RunWarehouse):
`warehouse_path()` returns it while the run is active.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

# the file of the run in progress in this process (set and cleared by RunWarehouse)
_active_run_file: Path | None = None


def _env_path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default.resolve()


def warehouse_dir() -> Path:
    if os.environ.get("SAFETY_WAREHOUSE_DIR"):
        return _env_path("SAFETY_WAREHOUSE_DIR", PROJECT_ROOT / "warehouse")
    if os.environ.get("SAFETY_WAREHOUSE_DB"):
        return _env_path("SAFETY_WAREHOUSE_DB", PROJECT_ROOT).parent
    return (PROJECT_ROOT / "warehouse").resolve()


def state_path() -> Path:
    """The working state: what the last finished run left. Never opened for writing in place."""
    return _env_path("SAFETY_WAREHOUSE_DB", warehouse_dir() / ".work" / "safety.duckdb")


def warehouse_path() -> Path:
    """The DuckDB file a connection opens by default: the active run's file, else the working state."""
    return _active_run_file or state_path()


def set_active_run_file(path: Path | None) -> None:
    global _active_run_file
    _active_run_file = Path(path) if path else None


def runs_dir() -> Path:
    return warehouse_dir() / ".runs"


def published_dir() -> Path:
    return warehouse_dir() / "published"


def raw_dir() -> Path:
    return _env_path("SAFETY_RAW_DIR", PROJECT_ROOT / "data" / "raw")


def studies_dir() -> Path:
    return _env_path("SAFETY_STUDIES_DIR", PROJECT_ROOT / "studies")


def outputs_dir() -> Path:
    return _env_path("SAFETY_OUTPUTS_DIR", PROJECT_ROOT / "outputs")


def relative_to_raw(path: Path | str, absolute_outside: bool = False) -> str:
    """A feed's path relative to the raw root (`cdiscpilot01/ae.xpt`), as stored in published tables
    and shown in messages; a file outside the raw root gives its name (or its full path, if asked)."""
    p = Path(path)
    try:
        return p.relative_to(raw_dir()).as_posix()
    except ValueError:
        return str(p) if absolute_outside else p.name

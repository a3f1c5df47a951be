"""Where things live. Every path is absolute; environment variables override defaults.

SAFETY_WAREHOUSE_DB   the DuckDB file             (default <project>/warehouse/safety.duckdb)
SAFETY_RAW_DIR        landed feeds, one folder per study (default <project>/data/raw)
SAFETY_STUDIES_DIR    study configuration          (default <project>/studies)
SAFETY_OUTPUTS_DIR    rendered tables, figures, docs (default <project>/outputs)
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def _env_path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default.resolve()


def warehouse_path() -> Path:
    return _env_path("SAFETY_WAREHOUSE_DB", PROJECT_ROOT / "warehouse" / "safety.duckdb")


def raw_dir() -> Path:
    return _env_path("SAFETY_RAW_DIR", PROJECT_ROOT / "data" / "raw")


def studies_dir() -> Path:
    return _env_path("SAFETY_STUDIES_DIR", PROJECT_ROOT / "studies")


def outputs_dir() -> Path:
    return _env_path("SAFETY_OUTPUTS_DIR", PROJECT_ROOT / "outputs")

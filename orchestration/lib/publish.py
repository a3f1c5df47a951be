"""Publishing the warehouse: analysts and dashboards read a copy that only a complete run replaces.

The working file is written by the pipeline (DuckDB admits one writing process). When every asset of
a run has succeeded and no blocking check has failed, the working file is checkpointed and copied to
`<warehouse dir>/published/<name>`, through a temporary file and an atomic rename: a reader never sees
a half-written database, and a failed run leaves the last good copy in place.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from orchestration.lib import paths


def published_path() -> Path:
    working = paths.warehouse_path()
    return working.parent / "published" / working.name


def publish_warehouse() -> tuple[Path, int]:
    working = paths.warehouse_path()
    con = duckdb.connect(str(working))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    target = published_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(working, tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return target, target.stat().st_size

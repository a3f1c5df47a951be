"""DuckDB connections to the warehouse.

DuckDB admits one writing process per file. Dagster runs its steps in one process (the
in-process executor), and dbt is a subprocess that only runs while no Dagster step holds a
connection, so every helper here opens a connection for the duration of one unit of work
and closes it.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from orchestration.lib import paths

SCHEMAS = ("raw", "staging", "marts", "quality", "reports")


@contextmanager
def connect(read_only: bool = False, path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    db = Path(path) if path else paths.warehouse_path()
    if read_only and not db.exists():
        raise FileNotFoundError(f"warehouse {db} does not exist yet: run the pipeline first")
    db.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db), read_only=read_only)
    try:
        if not read_only:
            for schema in SCHEMAS:
                con.execute(f"create schema if not exists {schema}")
        yield con
    finally:
        con.close()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])

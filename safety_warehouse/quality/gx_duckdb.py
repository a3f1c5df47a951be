"""A DuckDB data source for Great Expectations 1.x.

GX Core reaches DuckDB through SQLAlchemy (duckdb-engine) as a generic SQL data source, with
two problems this module fixes:

- the generic engine opens a pooled connection per query and closes it before the rows are
  fetched; duckdb-engine runs every query on the connection itself (DuckDB cursors are not
  independent), so closing it discards the result and GX sees an empty one. Here every query
  of one validation runs on one connection and results are buffered before it is reused;
- the connection must not outlive the unit of work: DuckDB lets only one process write the
  warehouse (dbt runs as a subprocess) and refuses a second in-process connection with a
  different configuration. `release()` closes it and disposes of the engine; GX reconnects
  on the next query.

Defining `DuckDBDatasource` registers `context.data_sources.add_duckdb(...)` (GX's fluent
data sources are registered by subclassing). Connections are read-only.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Literal, Type

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from great_expectations.datasource.fluent.sql_datasource import SQLDatasource  # noqa: E402
from great_expectations.execution_engine.sqlalchemy_execution_engine import (  # noqa: E402
    SqlAlchemyExecutionEngine,
)

from safety_warehouse.warehouse import duckdb_config  # noqa: E402


class DuckDBExecutionEngine(SqlAlchemyExecutionEngine):
    """One persistent connection per validation; buffered results."""

    @contextmanager
    def get_connection(self) -> Iterator:
        if self._connection is None or self._connection.closed:
            self._connection = self.engine.connect()
        yield self._connection

    def execute_query(self, query):
        with self.get_connection() as connection:
            result = self._execute_query_with_recovery(connection, query)
            # freeze() reads every row now; calling the frozen result gives a fresh Result.
            return result.freeze()()

    def release(self) -> None:
        """Close the connection and the engine's pool (GX reconnects when asked again)."""
        try:
            if self._connection is not None and not self._connection.closed:
                self._connection.close()
        finally:
            self._connection = None
            self.engine.dispose()


class DuckDBDatasource(SQLDatasource):
    """A DuckDB database file, opened read-only."""

    type: Literal["duckdb"] = "duckdb"

    @property
    def execution_engine_type(self) -> Type[SqlAlchemyExecutionEngine]:
        return DuckDBExecutionEngine

    def release(self) -> None:
        engine = self._execution_engine
        if isinstance(engine, DuckDBExecutionEngine):
            engine.release()
        if self._engine is not None:
            self._engine.dispose()


def connection_string(db: Path) -> str:
    return f"duckdb:///{Path(db).resolve()}"


def add_duckdb_source(context, name: str, db: Path) -> DuckDBDatasource:
    return context.data_sources.add_duckdb(
        name=name,
        connection_string=connection_string(db),
        kwargs={"connect_args": {"read_only": True, "config": duckdb_config()}},
    )


from great_expectations.render.renderer.site_builder import DefaultSiteIndexBuilder  # noqa: E402


class KeptPagesSiteIndexBuilder(DefaultSiteIndexBuilder):
    """GX's index builder deletes every page whose validation result is not in the context's store,
    and each run's store is new: a refresh that re-validates only the changed feeds would lose the
    pages of the others. This one leaves the pages on disk (the runner keeps the newest page of each
    table and study) and indexes this run's validations."""

    def build(self, skip_and_clean_missing=True, build_index: bool = True):  # noqa: ARG002
        return super().build(skip_and_clean_missing=False, build_index=build_index)


def keep_newest_page(page: Path) -> None:
    """Remove the older runs' pages of the suite of `page` (<suite>/<run name>/<run time>/page.html)."""
    import shutil

    run_dir = page.parents[1]
    for other in run_dir.parent.iterdir():
        if other.is_dir() and other != run_dir:
            shutil.rmtree(other, ignore_errors=True)

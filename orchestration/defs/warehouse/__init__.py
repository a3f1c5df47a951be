"""The run's warehouse: every asset of a run writes the run's own private DuckDB file.

`RunWarehouse` is a run-scoped resource. As a run starts it takes the writer lock (queueing behind
any run in progress), marks runs whose process died as failed, and copies the working state into
the run's file; every connection of the run opens that file. As the run ends, successfully or not,
the file becomes the working state. A killed run ends neither: the working state and the published
snapshot stay exactly as they were.
"""

from __future__ import annotations

import os
from typing import Any

import dagster as dg
from pydantic import PrivateAttr

from safety_warehouse import paths
from orchestration.lib.run_monitor import mark_dead_runs_failed, process_tags
from safety_warehouse.warehouse import begin_run_file, commit_run_file, writer_lock

RESOURCE_KEY = "warehouse"


class RunWarehouse(dg.ConfigurableResource):
    """The private DuckDB file of the run in progress (see safety_warehouse.warehouse)."""

    _lock: Any = PrivateAttr(default=None)
    _run_id: str = PrivateAttr(default="")

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run_id = context.run.run_id if context.run else "adhoc"
        log = context.log
        if context.instance is not None and context.run is not None:
            context.instance.add_run_tags(run_id, process_tags())
            for dead in mark_dead_runs_failed(context.instance, exclude=run_id):
                log.warning(f"run {dead} had stopped without finishing; marked failed")
        self._lock = writer_lock(on_wait=lambda msg: log.info(msg) if log else None)
        self._lock.__enter__()
        try:
            self._run_id = run_id
            path = begin_run_file(run_id)
            paths.set_active_run_file(path)
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        try:
            paths.set_active_run_file(None)
            os.environ.pop("SAFETY_DBT_DB", None)  # set for dbt while the run was active
            commit_run_file(self._run_id)
        finally:
            self._lock.__exit__(None, None, None)

    @property
    def path(self):
        return paths.warehouse_path()


defs = dg.Definitions(resources={RESOURCE_KEY: RunWarehouse()})

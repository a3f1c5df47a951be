"""The one Dagster `Definitions` of the safety warehouse.

Each area under `orchestration/defs/<area>/` exposes a module-level `defs`
(a `dagster.Definitions`); this module merges them and adds nothing of its own beyond
the shared executor. Importing it builds no connections and runs no dbt command.
"""

from __future__ import annotations

import importlib
import pkgutil

import dagster as dg

import orchestration.defs as defs_package


def build_definitions() -> dg.Definitions:
    parts = []
    for module in sorted(pkgutil.iter_modules(defs_package.__path__), key=lambda m: m.name):
        mod = importlib.import_module(f"{defs_package.__name__}.{module.name}")
        part = getattr(mod, "defs", None)
        if isinstance(part, dg.Definitions):
            parts.append(part)
    # One process for a whole run: DuckDB admits a single writer, and each step process
    # would otherwise pay the dagster/dbt/GX import cost again.
    parts.append(dg.Definitions(executor=dg.in_process_executor))
    return dg.Definitions.merge(*parts)


defs = build_definitions()

"""The one Dagster `Definitions` of the safety warehouse.

Each area under `orchestration/defs/<area>/` exposes a module-level `defs`
(a `dagster.Definitions`); this module merges them, adds the published-warehouse asset
downstream of all of them, and sets the shared executor. Importing it opens no warehouse
connection; dbt parses the project only when its manifest is older than the project files.
"""

from __future__ import annotations

import importlib
import pkgutil

import dagster as dg

import orchestration.defs as defs_package
from orchestration.defs.publish import published_warehouse_asset


def build_definitions() -> dg.Definitions:
    parts = []
    for module in sorted(pkgutil.iter_modules(defs_package.__path__), key=lambda m: m.name):
        mod = importlib.import_module(f"{defs_package.__name__}.{module.name}")
        part = getattr(mod, "defs", None)
        if isinstance(part, dg.Definitions):
            parts.append(part)
    # the published copy waits for every other asset of the run
    upstream = sorted({key for part in parts for a in (part.assets or [])
                       if isinstance(a, dg.AssetsDefinition) for key in a.keys}, key=str)
    parts.append(dg.Definitions(assets=[published_warehouse_asset(upstream)]))
    # One process for a whole run: DuckDB admits a single writer, and each step process
    # would otherwise pay the dagster/dbt/GX import cost again.
    parts.append(dg.Definitions(executor=dg.in_process_executor))
    return dg.Definitions.merge(*parts)


defs = build_definitions()

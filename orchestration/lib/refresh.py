"""What a refresh runs: everything, or only what depends on the feeds that changed.

`safety_warehouse.publish.refresh_plan` compares the landing folder, the configuration and the code
with the published warehouse. When only some feeds differ, the run selects their raw assets and
everything downstream of them (the dbt models and tests, the quality suites of those tables, the
tables and figures, the published copy), plus the delivery and configuration assets that every
run checks. The rest of the warehouse is the published snapshot's, which the run starts from.
"""

from __future__ import annotations

import dagster as dg

from safety_warehouse.publish import RefreshPlan

PARTIAL_TAG = "safety/refresh"


def refresh_selection(plan: RefreshPlan, asset_graph) -> set[dg.AssetKey] | None:
    """The asset keys a run of the plan materialises, or None for all of them."""
    # imported here: the ingest package's sensor imports this module
    from orchestration.defs.ingest.assets import DELIVERY_KEY, STUDY_CONFIG_KEY

    if plan.full or not plan.changed:
        return None
    changed = [dg.AssetKey(["raw", domain]) for domain in sorted(plan.changed)]
    selection = dg.AssetSelection.assets(*changed).downstream() | dg.AssetSelection.assets(DELIVERY_KEY, STUDY_CONFIG_KEY)
    return set(selection.resolve(asset_graph))


def refresh_tags(plan: RefreshPlan) -> dict[str, str]:
    if plan.full or not plan.changed:
        return {PARTIAL_TAG: "full"}
    return {PARTIAL_TAG: "changed:" + ",".join(sorted(plan.changed))}

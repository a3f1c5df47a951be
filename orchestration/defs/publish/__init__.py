"""The published warehouse snapshot, downstream of every other asset (see safety_warehouse.publish)."""

import dagster as dg

from orchestration.defs.warehouse import RESOURCE_KEY
from safety_warehouse.publish import publish_warehouse

PUBLISHED_KEY = dg.AssetKey(["published", "warehouse"])


def published_warehouse_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=PUBLISHED_KEY,
        deps=upstream,
        group_name="published",
        kinds={"duckdb"},
        required_resource_keys={RESOURCE_KEY},
        description="Read-only snapshot of the warehouse for analysts, replaced only when a whole run succeeded.",
    )
    def _published(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        study = context.run.tags.get("dagster/partition")
        path, size = publish_warehouse(context.run.run_id, study=study)
        context.log.info(f"published {path} ({size:,} bytes)")
        return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path)), "bytes": size})

    return _published

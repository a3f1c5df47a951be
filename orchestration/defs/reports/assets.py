"""Report assets: one per entry of the report catalogue, partitioned by study, key
["reports", <name>], group "reports". Each reads its marts and dbt results models, writes its `reports.*` tables (only
that study's rows) and its files under outputs/<study>/; `index` links them all."""

from typing import TYPE_CHECKING

import dagster as dg

from orchestration.defs.warehouse import RESOURCE_KEY
from orchestration.lib.partitions import study_partitions
from orchestration.lib.refresh import PARTIAL_TAG
from safety_reports.catalog import INDEX_ASSET, INDEX_FILE, POPULATION_MODELS, REPORT_ASSETS, ReportAsset

if TYPE_CHECKING:
    from safety_reports.build import BuildResult

GROUP = "reports"


def _metadata(result: "BuildResult") -> dict:
    meta: dict = {
        "seconds": dg.MetadataValue.float(round(result.seconds, 2)),
        "files": dg.MetadataValue.json(sorted(p.name for p in result.files)),
        "outputs_dir": dg.MetadataValue.path(str(result.files[0].parent) if result.files else ""),
        "code_version": dg.MetadataValue.text(result.code_version),
        # kept: built by an earlier run from the same inputs (a refresh of what depends on changed feeds)
        "outputs": dg.MetadataValue.text("kept: inputs unchanged" if result.reused else "built"),
    }
    if result.snapshot:
        meta["data_snapshot"] = dg.MetadataValue.text(result.snapshot)
    for table, rows in result.rows.items():
        meta[f"rows reports.{table}"] = dg.MetadataValue.int(rows)
    return meta


def _report_asset(spec: ReportAsset) -> dg.AssetsDefinition:
    marts = dict.fromkeys(spec.marts + spec.queried)
    results = dict.fromkeys(POPULATION_MODELS + tuple(spec.results))
    deps = ([dg.AssetKey(["marts", m]) for m in marts]
            + [dg.AssetKey(["results", r]) for r in results]
            + [dg.AssetKey([GROUP, a]) for a in spec.after])
    tables = ", ".join(f"reports.{t}" for t in spec.tables)
    figures = ", ".join(spec.figures)

    @dg.asset(
        key=[GROUP, spec.name],
        group_name=GROUP,
        partitions_def=study_partitions(),
        deps=deps,
        kinds={"python", "duckdb"},
        required_resource_keys={RESOURCE_KEY},
        description=f"{spec.description} Writes {tables}" + (f" and figures {figures}." if figures else "."),
    )
    def _asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        from safety_reports.build import build  # statistics and rendering load only when run

        # a refresh of what depends on changed feeds keeps outputs whose inputs did not change
        reuse = context.run.tags.get(PARTIAL_TAG, "").startswith("changed:")
        result = build(spec.name, context.partition_key, reuse=reuse)
        what = "kept (inputs unchanged)" if result.reused else f"{result.rows}"
        context.log.info(f"{spec.name} for {context.partition_key}: {what} in {result.seconds:.1f}s")
        return dg.MaterializeResult(metadata=_metadata(result))

    return _asset


def _index_asset() -> dg.AssetsDefinition:
    @dg.asset(
        key=[GROUP, INDEX_ASSET],
        group_name=GROUP,
        partitions_def=study_partitions(),
        deps=[dg.AssetKey([GROUP, a.name]) for a in REPORT_ASSETS],
        kinds={"html"},
        required_resource_keys={RESOURCE_KEY},
        description=f"outputs/<study>/{INDEX_FILE}: significant findings and a link to every table and figure "
                    "of the study (from reports.output_manifest).",
    )
    def _asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        from safety_reports.index import build_index

        result = build_index(context.partition_key)
        return dg.MaterializeResult(metadata={
            "index": dg.MetadataValue.path(str(result.files[0])),
            "seconds": dg.MetadataValue.float(round(result.seconds, 2)),
        })

    return _asset


def build_report_assets() -> list[dg.AssetsDefinition]:
    """The report assets over the studies present now (the partition set is read when called)."""
    return [_report_asset(spec) for spec in REPORT_ASSETS] + [_index_asset()]


report_assets = build_report_assets()

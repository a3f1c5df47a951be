"""Raw ingestion assets.

The set of domain assets is the union of what the study folders hold (`data/raw/<study>/<domain>.<ext>`),
so a new domain or a new study needs no code. Each asset loads its domain for the run's study partition
into `raw.<domain>` through `orchestration.lib.raw_loader`, which refuses a malformed feed before
touching the table.
"""


import time

import dagster as dg

from orchestration.lib import paths
from orchestration.lib.feeds import FeedError
from orchestration.lib.partitions import study_partitions
from orchestration.lib.raw_loader import load_feed
from orchestration.lib.studies import StudyConfigError, all_domains, get_study
from orchestration.lib.study_config import publish_config
from orchestration.lib.warehouse import connect

RAW_GROUP = "raw"
STUDY_CONFIG_KEY = dg.AssetKey(["raw", "study_config"])


def _failure(exc: FeedError) -> dg.Failure:
    return dg.Failure(
        description=str(exc),
        metadata={
            "file": dg.MetadataValue.path(exc.file),
            "rule": exc.rule,
            "column": exc.column or "",
            "records (1-based, first 20)": dg.MetadataValue.json(exc.records[:20]),
            "record count": len(exc.records),
        },
        allow_retries=False,
    )


@dg.asset(
    key=STUDY_CONFIG_KEY,
    group_name=RAW_GROUP,
    partitions_def=study_partitions(),
    kinds={"duckdb", "yaml"},
    description="The study's configuration (studies/<study>/study.yml) published as raw.cfg_<section> tables.",
)
def study_config(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    try:
        study = get_study(context.partition_key)
    except StudyConfigError as exc:
        raise dg.Failure(description=str(exc)) from exc
    with connect() as con:
        counts = publish_config(con, study.config)
    return dg.MaterializeResult(metadata={
        "study": study.name,
        "config file": dg.MetadataValue.path(str(paths.studies_dir() / study.name / "study.yml")),
        "tables": dg.MetadataValue.json(counts),
    })


def _raw_asset(domain: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=domain,
        key_prefix=["raw"],
        group_name=RAW_GROUP,
        partitions_def=study_partitions(),
        kinds={"duckdb", "sdtm"},
        description=(f"SDTM {domain.upper()} as received, one row per source record, every study's rows "
                     f"(told apart by STUDYID), all variables as text. Provenance: raw.load_log."),
        metadata={"table": f"raw.{domain}"},
    )
    def _asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        study = get_study(context.partition_key)
        feed = study.feeds().get(domain)
        if feed is None:
            context.log.info(f"study {study.name} supplies no {domain.upper()} feed; raw.{domain} unchanged")
            return dg.MaterializeResult(metadata={"study": study.name, "action": "not supplied"})
        started = time.perf_counter()
        try:
            with connect() as con:
                result = load_feed(con, feed, study.studyid, run_id=context.run.run_id)
                total = con.execute(f'select count(*) from raw."{domain}"').fetchone()[0]
        except FeedError as exc:
            raise _failure(exc) from exc
        return dg.MaterializeResult(metadata={
            "study": result.study,
            "STUDYID": result.studyid,
            "source file": dg.MetadataValue.path(result.source_file),
            "sha256": result.sha256,
            "bytes": result.bytes,
            "rows": dg.MetadataValue.int(result.rows),
            "rows in table (all studies)": dg.MetadataValue.int(total),
            "action": result.action,
            "load id": result.load_id,
            "variables": len(result.columns),
            "seconds": round(time.perf_counter() - started, 3),
        })

    return _asset


def build_raw_assets() -> list[dg.AssetsDefinition]:
    return [_raw_asset(domain) for domain in all_domains()]

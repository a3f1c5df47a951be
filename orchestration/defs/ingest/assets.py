"""Raw ingestion assets.

The set of domain assets is the union of what the study folders hold (`data/raw/<study>/<domain>.<ext>`),
so a new domain or a new study needs no code. `raw/delivery` checks a study's landing folder as a
whole first (file names, one file per domain, symbolic links, domains loaded before and now missing,
retirements); each domain asset then loads its domain for the run's study partition into
`raw.<domain>` through `safety_warehouse.raw_loader`, which refuses a malformed feed before
touching the table. A bad file fails its own study's run with a message naming the file and the
rule; other studies and the definitions are not affected.
"""


import time

import dagster as dg

from orchestration.defs.warehouse import RESOURCE_KEY
from safety_warehouse import paths
from safety_warehouse.feeds import FeedError
from orchestration.lib.partitions import study_partitions
from safety_warehouse.raw_loader import last_loads, load_feed
from safety_warehouse.studies import StudyConfigError, all_domains, get_study
from safety_warehouse.study_config import publish_config
from safety_warehouse.warehouse import connect, qualified

RAW_GROUP = "raw"
STUDY_CONFIG_KEY = dg.AssetKey(["raw", "study_config"])
DELIVERY_KEY = dg.AssetKey(["raw", "delivery"])


def _failure(exc: FeedError) -> dg.Failure:
    return dg.Failure(
        description=str(exc),
        metadata={
            "file": exc.file,
            "rule": exc.rule,
            "column": exc.column or "",
            "records (1-based, first 20)": dg.MetadataValue.json(exc.records[:20]),
            "record count": len(exc.records),
        },
        allow_retries=False,
    )


def _get_study(name: str):
    try:
        return get_study(name)
    except StudyConfigError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc


def _publish_study_config(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    study = _get_study(context.partition_key)
    with connect() as con:
        counts = publish_config(con, study.config)
    return dg.MaterializeResult(metadata={
        "study": study.name,
        "config file": f"{study.name}/study.yml",
        "config_sha256": study.config.config_sha256,
        "tables": dg.MetadataValue.json(counts),
    })


def removed_domains(con, study) -> list[FeedError]:
    """Domains the warehouse holds for the study whose file is no longer in its landing folder."""
    present = study.delivery()
    problems = []
    claimed = set(present.feeds) | {p.domain for p in present.problems if p.domain}
    for domain, last in last_loads(con, study.name).items():
        if last.action == "retired" or domain in claimed:
            continue
        problems.append(FeedError(
            paths.raw_dir() / last.source_file,
            "FEED-DOMAIN-REMOVED",
            f"was last loaded {last.loaded_at:%Y-%m-%d %H:%M:%S %Z} (run {last.run_id or 'unknown'}) and is no "
            f"longer in the landing folder; put it back, or retire the domain with "
            f"`safety-warehouse retire {study.name} {domain}`"))
        problems[-1].domain = domain
    return problems


def _check_delivery(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    study = _get_study(context.partition_key)
    found = study.delivery()
    with connect() as con:
        problems = found.problems + removed_domains(con, study)
    if problems:
        for p in problems:
            context.log.error(str(p))
        raise dg.Failure(
            description=f"study {study.name}: {len(problems)} landing problem(s): " + "; ".join(map(str, problems)),
            metadata={"problems": dg.MetadataValue.json([{"file": p.file, "rule": p.rule, "message": str(p)}
                                                         for p in problems])},
            allow_retries=False)
    return dg.MaterializeResult(metadata={
        "study": study.name,
        "feeds": dg.MetadataValue.json({d: f.path.name for d, f in sorted(found.feeds.items())}),
        "ignored files": dg.MetadataValue.json(found.ignored),
    })


def _raw_asset(domain: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=domain,
        key_prefix=["raw"],
        group_name=RAW_GROUP,
        partitions_def=study_partitions(),
        deps=[DELIVERY_KEY],
        kinds={"duckdb", "sdtm"},
        required_resource_keys={RESOURCE_KEY},
        description=(f"SDTM {domain.upper()} as received, one row per source record, every study's rows "
                     f"(told apart by STUDYID), all variables as text. Provenance: raw.load_log."),
        metadata={"table": f"raw.{domain}"},
    )
    def _asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        study = _get_study(context.partition_key)
        found = study.delivery()
        problem = found.problem_for(domain)
        if problem is not None:
            raise _failure(problem)
        feed = found.feeds.get(domain)
        if feed is None:
            context.log.info(f"study {study.name} supplies no {domain.upper()} feed; raw.{domain} unchanged")
            return dg.MaterializeResult(metadata={"study": study.name, "action": "not supplied"})
        started = time.perf_counter()
        try:
            with connect() as con:
                result = load_feed(con, feed, study.studyid, run_id=context.run.run_id)
                total = con.execute(f"select count(*) from {qualified('raw', domain)}").fetchone()[0]
        except FeedError as exc:
            raise _failure(exc) from exc
        return dg.MaterializeResult(metadata={
            "study": result.study,
            "STUDYID": result.studyid,
            "source file": result.source_file,
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


def study_config_asset() -> dg.AssetsDefinition:
    return dg.asset(
        key=STUDY_CONFIG_KEY,
        group_name=RAW_GROUP,
        partitions_def=study_partitions(),
        kinds={"duckdb", "yaml"},
        required_resource_keys={RESOURCE_KEY},
        description=("The study's configuration (studies/<study>/study.yml and quality.yml), validated and "
                     "published with its defaults filled in as raw.cfg_<section> tables; "
                     "raw.cfg_study.config_sha256 is its hash."),
    )(_publish_study_config)


def delivery_asset() -> dg.AssetsDefinition:
    return dg.asset(
        key=DELIVERY_KEY,
        group_name=RAW_GROUP,
        partitions_def=study_partitions(),
        kinds={"sdtm"},
        required_resource_keys={RESOURCE_KEY},
        description=("The study's current delivery: the files of data/raw/<study>/. Fails the study's run when a "
                     "file breaks a landing rule (FEED-FILE-NAME, FEED-ONE-FILE-PER-DOMAIN, FEED-SYMLINK, "
                     "FEED-FILE-TYPE) or a domain loaded before is missing (FEED-DOMAIN-REMOVED); every raw domain "
                     "asset waits for it."),
    )(_check_delivery)


def build_raw_assets() -> list[dg.AssetsDefinition]:
    """The study configuration, the delivery and one asset per domain, over the study folders present
    now (the partition set is read when called)."""
    return [study_config_asset(), delivery_asset(), *(_raw_asset(domain) for domain in all_domains())]

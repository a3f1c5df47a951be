"""One multi-asset check per raw feed table: each rule of its suite is a Dagster asset check.

ERROR rules are blocking (a failure stops the assets downstream of the table); WARN rules are
not. A run for a study partition validates that study; a run without a partition validates
every study present in the table. Each execution writes its findings to quality.dq_findings
(one short write connection) and links the GX data-docs page of the validation.
"""


from collections.abc import Iterable

import dagster as dg

from expectations import catalogue
from expectations.catalogue import Rule, Target
from expectations.checks import reference_tables
from orchestration.defs.warehouse import RESOURCE_KEY

SAMPLE_ROWS = 10


def _spec(rule: Rule, target: Target, known_assets: set[tuple[str, ...]]) -> dg.AssetCheckSpec:
    deps = []
    for ref in reference_tables(rule):
        key = tuple(ref.split(".", 1))
        if ref != target.name and key in known_assets:
            deps.append(dg.AssetKey(list(key)))
    return dg.AssetCheckSpec(
        name=rule.check_name,
        asset=dg.AssetKey(target.asset_key),
        description=f"[{rule.severity}] {rule.id}: {rule.message}",
        blocking=rule.blocking,
        additional_deps=deps or None,
        metadata={"rule_id": rule.id, "severity": rule.severity, "engine": rule.engine,
                  "reference": rule.reference or ""},
    )


def _sample_table(rows: list[tuple]) -> str:
    head = "| study | USUBJID | SEQ | variable | value |\n|---|---|---|---|---|\n"

    def cell(v) -> str:
        s = "" if v is None else str(v)
        s = s.replace("|", "\\|").replace("\n", " ")
        return s if len(s) <= 80 else s[:77] + "..."

    return head + "\n".join("| " + " | ".join(cell(v) for v in r) + " |" for r in rows)


def check_results(rules: list[Rule], runs: list, *, gx_seconds: float, fallback_seconds: float) -> Iterable[dg.AssetCheckResult]:
    """AssetCheckResults for the given rules from suite runs of one or more studies."""
    for rule in rules:
        results = [run.results[rule.id] for run in runs if rule.id in run.results]
        statuses = {r.status for r in results}
        passed = bool(results) and statuses <= {"passed", "not_applicable", "not_supplied"}
        element_count = sum(r.element_count for r in results)
        unexpected = sum(r.unexpected_count for r in results)
        records = sum(r.unexpected_records for r in results)
        sample = [(r.study, f.usubjid, f.seq, f.variable, f.value) for r in results for f in r.findings][:SAMPLE_ROWS]
        details = [f"{r.study}: {r.detail}" for r in results if r.detail]
        if not results:
            description = "No study has rows in this table; nothing was validated."
            passed = True
        elif "error" in statuses:
            description = "Could not be evaluated: " + "; ".join(details)
        elif statuses == {"not_supplied"}:
            description = "Skipped (not supplied): " + "; ".join(details)
        elif statuses == {"not_applicable"}:
            description = "Not applicable: " + "; ".join(details)
        elif passed:
            description = f"All {element_count} records pass."
        else:
            description = f"{records} of {element_count} records fail. {rule.message}"
        metadata: dict[str, dg.MetadataValue] = {
            "rule_id": dg.MetadataValue.text(rule.id),
            "severity": dg.MetadataValue.text(rule.severity),
            "engine": dg.MetadataValue.text(rule.engine),
            "studies": dg.MetadataValue.text(", ".join(run.study for run in runs)),
            "status": dg.MetadataValue.text(", ".join(sorted(statuses)) or "no data"),
            "element_count": dg.MetadataValue.int(element_count),
            "unexpected_count": dg.MetadataValue.int(unexpected),
            "unexpected_records": dg.MetadataValue.int(records),
            "unexpected_percent": dg.MetadataValue.float(
                round(100.0 * records / element_count, 4) if element_count else 0.0),
            "message": dg.MetadataValue.text(rule.message),
            "reference": dg.MetadataValue.text(rule.reference or ""),
            "suite_gx_seconds": dg.MetadataValue.float(round(gx_seconds, 3)),
            "suite_fallback_seconds": dg.MetadataValue.float(round(fallback_seconds, 3)),
        }
        if sample:
            metadata["failing_records_sample"] = dg.MetadataValue.md(_sample_table(sample))
        if any(r.truncated for r in results):
            metadata["findings_truncated"] = dg.MetadataValue.bool(True)
        if details:
            metadata["detail"] = dg.MetadataValue.text("; ".join(details)[:1000])
        docs = [run.docs_path for run in runs if run.docs_path]
        if docs:
            metadata["data_docs"] = dg.MetadataValue.path(str(docs[0]))
            if len(docs) > 1:
                metadata["data_docs_all_studies"] = dg.MetadataValue.json([str(d) for d in docs])
        index = next((run.docs_index for run in runs if run.docs_index), None)
        if index:
            metadata["data_docs_index"] = dg.MetadataValue.path(str(index))
        metadata["findings_sql"] = dg.MetadataValue.md(
            "```sql\nselect * from quality.dq_findings\n"
            f"where rule_id = '{rule.id}' and status = 'open'\norder by study, usubjid, seq;\n```")
        yield dg.AssetCheckResult(
            asset_key=dg.AssetKey(rule.layer.split(".") + [rule.table]),
            check_name=rule.check_name,
            passed=passed,
            severity=dg.AssetCheckSeverity.ERROR if rule.severity == "ERROR" else dg.AssetCheckSeverity.WARN,
            description=description,
            metadata=metadata,
        )


def run_suite(context, target_name: str, rules: list[Rule]) -> list:
    """Validate the run's study (or every study in the table) and record the findings."""
    from safety_warehouse.quality import findings
    from safety_warehouse.quality.runner import session_for, study_ids
    from safety_warehouse.warehouse import connect

    target = catalogue.targets()[target_name]
    session = session_for(context.run.run_id)
    if context.has_partition_key:
        studies = [context.partition_key]
    else:
        with connect(read_only=True) as con:
            studies = [s for s, _sid in study_ids(con, target)]
    rule_ids = {r.id for r in rules}
    runs = []
    for study in studies:
        run = session.validate(target_name, study, rule_ids)
        counts = findings.record(run)
        context.log.info(
            f"{target_name} [{study}]: {sum(not r.passed for r in run.results.values())} of {len(run.results)} "
            f"rules failing; findings opened {counts['opened'] + counts['reopened']}, resolved {counts['resolved']}; "
            f"GX {run.gx_seconds:.2f}s (docs {run.docs_seconds:.2f}s), SQL fallback {run.fallback_seconds:.2f}s")
        runs.append(run)
    return runs


def build_suite_check(target: Target, rules: list[Rule], known_assets: set[tuple[str, ...]]) -> dg.AssetChecksDefinition:
    specs = [_spec(r, target, known_assets) for r in rules]
    by_check_name = {r.check_name: r for r in rules}

    @dg.multi_asset_check(
        name=f"dq_{target.layer}_{target.table}",
        specs=specs,
        can_subset=True,
        required_resource_keys={RESOURCE_KEY},
        description=f"Data-quality suite for {target.name} (expectations/rules.yml): "
                    f"{len(rules)} rules run through Great Expectations on DuckDB, SQL fallback for "
                    f"cross-table rules.",
    )
    def _suite(context: dg.AssetCheckExecutionContext) -> Iterable[dg.AssetCheckResult]:
        selected = [by_check_name[k.name] for k in context.selected_asset_check_keys if k.name in by_check_name]
        runs = run_suite(context, target.name, selected)
        yield from check_results(
            selected, runs,
            gx_seconds=sum(r.gx_seconds for r in runs),
            fallback_seconds=sum(r.fallback_seconds for r in runs))

    return _suite


def _raw_domains() -> set[str]:
    from safety_warehouse.studies import all_domains

    try:
        return set(all_domains())
    except Exception:  # a malformed raw folder must not stop the definitions from loading
        return set()


def build_checks() -> list[dg.AssetChecksDefinition]:
    """Checks for the raw domains some study supplies. The marts are checked by their dbt tests,
    which dagster-dbt turns into the marts' asset checks; the rule catalogue has no mart tables."""
    raw = _raw_domains()
    known = {("raw", d) for d in raw}
    checks = []
    for name, target in catalogue.targets().items():
        if (target.layer, target.table) not in known:
            continue
        rules = catalogue.rules_for(name)
        if rules:
            checks.append(build_suite_check(target, rules, known))
    return checks

"""Running one table's suite for one study: GX validation, SQL fallback, data docs.

A `QualitySession` lives for one Dagster run (or one test): it owns the GX context, the DuckDB
data source and the data-docs site, so their start-up is paid once per run, not per check.
The warehouse is only read here, and every connection is closed before `validate` returns
(findings are written separately, see findings.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from expectations import catalogue
from expectations.catalogue import Rule, Target
from safety_warehouse import paths
from safety_warehouse.warehouse import connect

log = logging.getLogger(__name__)
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

SAMPLE_SIZE = 10  # failing records shown per rule (check metadata, data docs)


@dataclass
class Finding:
    usubjid: str | None
    seq: str | None
    variable: str | None
    value: str | None


@dataclass
class RuleResult:
    rule: Rule
    study: str
    status: str  # passed | failed | not_applicable | not_supplied | error
    engine: str
    element_count: int = 0
    unexpected_count: int = 0  # failing values (record x variable)
    findings: list[Finding] = field(default_factory=list)
    truncated: bool = False
    detail: str | None = None  # why not applicable / the error
    seconds: float = 0.0

    @property
    def unexpected_records(self) -> int:
        return len({(f.usubjid, f.seq) for f in self.findings})

    @property
    def unexpected_percent(self) -> float:
        if not self.element_count:
            return 0.0
        return round(100.0 * min(self.unexpected_records, self.element_count) / self.element_count, 4)

    @property
    def passed(self) -> bool:
        return self.status in ("passed", "not_applicable", "not_supplied")

    @property
    def evaluated(self) -> bool:
        return self.status in ("passed", "failed")


@dataclass
class SuiteRun:
    target: Target
    study: str
    studyid: str
    run_id: str
    rows: int
    results: dict[str, RuleResult]
    gx_seconds: float = 0.0
    fallback_seconds: float = 0.0
    docs_seconds: float = 0.0
    docs_path: Path | None = None
    docs_index: Path | None = None
    table_missing: bool = False


# --------------------------------------------------------------------------- helpers

def _to_text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v != v:
        return None
    return str(v)


def _index_rows(index_list: Any) -> list[dict]:
    """GX returns failing rows either as a list of dicts or (for long lists) column-wise."""
    if not index_list:
        return []
    if isinstance(index_list, dict):
        index_list = [index_list]
    rows: list[dict] = []
    for d in index_list:
        if d and all(isinstance(v, list) for v in d.values()):
            keys = list(d)
            rows.extend(dict(zip(keys, vals)) for vals in zip(*(d[k] for k in keys)))
        else:
            rows.append(d)
    return rows


def _safe_name(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", s)


def table_columns(con, target: Target) -> dict[str, str]:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [target.layer, target.table]).fetchall()
    return {name: dtype for name, dtype in rows}


def study_ids(con, target: Target) -> list[tuple[str, str]]:
    """(study, STUDYID) of every study with rows in the target table."""
    from safety_warehouse.studies import StudyConfigError, load_study, study_names
    from safety_warehouse.warehouse import table_exists

    if not table_exists(con, target.layer, target.table):
        return []
    present = [r[0] for r in con.execute(
        f'select distinct "{target.study_column}" from {target.layer}."{target.table}" '
        f'where "{target.study_column}" is not null order by 1').fetchall()]
    mapping: dict[str, str] = {}
    if table_exists(con, "raw", "load_log"):
        for study, sid in con.execute("select distinct study, studyid from raw.load_log").fetchall():
            if sid is not None:
                mapping[str(sid).strip()] = study
    for name in study_names():
        try:  # a study whose configuration is broken fails its own run; it does not hide the others
            mapping.setdefault(load_study(name).studyid, name)
        except StudyConfigError:
            continue
    return [(mapping.get(str(sid).strip(), str(sid).lower()), str(sid).strip()) for sid in present]


def _supplies(study: str, target: Target) -> bool:
    """Whether the study's landing folder delivers the raw domain (other layers: always)."""
    if target.layer != "raw":
        return True
    from safety_warehouse.feeds import scan_delivery

    folder = paths.raw_dir() / study
    if not folder.is_dir():
        return True  # no landing folder to judge by: validate what the table holds
    return target.table in scan_delivery(folder).feeds


def studyid_for(study: str) -> str:
    """A study's STUDYID, from its validated configuration (where it is required)."""
    from safety_warehouse.study_model import load_study

    return load_study(study).studyid


# --------------------------------------------------------------------------- session

class QualitySession:
    """GX context, DuckDB data source and data-docs site for one run."""

    def __init__(self, run_id: str, db: Path | None = None, docs_dir: Path | None = None,
                 build_docs: bool = True):
        self.run_id = run_id
        self.db = Path(db) if db else paths.warehouse_path()
        self.docs_dir = Path(docs_dir) if docs_dir else paths.outputs_dir() / "data_docs"
        self.build_docs = build_docs
        self._context = None
        self._source = None
        self._names: set[str] = set()
        self._settings: dict[str, Any] = {}
        self.run_time = dt.datetime.now(dt.timezone.utc)

    # GX is imported on first use: loading the Dagster definitions must stay cheap.
    def _gx(self):
        if self._context is None:
            import great_expectations as gx

            from safety_warehouse.quality.gx_duckdb import add_duckdb_source

            t0 = time.perf_counter()
            from great_expectations.data_context.types.base import ProgressBarsConfig

            context = gx.get_context(mode="ephemeral")
            # no progress bars in the run logs
            context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
            for site in list(context.list_data_docs_sites()):
                context.delete_data_docs_site(site)
            if self.build_docs:
                self.docs_dir.mkdir(parents=True, exist_ok=True)
            context.add_data_docs_site("warehouse", {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(self.docs_dir)},
                "site_index_builder": {"class_name": "KeptPagesSiteIndexBuilder",
                                       "module_name": "safety_warehouse.quality.gx_duckdb"},
            })
            self._source = add_duckdb_source(context, "warehouse", self.db)
            self._context = context
            log.debug("GX context ready in %.2fs", time.perf_counter() - t0)
        return self._context

    def _unique(self, name: str) -> str:
        base, n = _safe_name(name), 1
        candidate = base
        while candidate in self._names:
            n += 1
            candidate = f"{base}.{n}"
        self._names.add(candidate)
        return candidate

    def release(self) -> None:
        if self._source is not None:
            self._source.release()

    def close(self) -> None:
        self.release()
        self._context = None
        self._source = None

    # ----------------------------------------------------------------------- validate
    def validate(self, target_name: str, study: str, rule_ids: set[str] | None = None) -> SuiteRun:
        from expectations.checks import BATCH, batch_query, compile_rule, load_settings, optional_columns

        target = catalogue.targets()[target_name]
        rules = [r for r in catalogue.rules_for(target_name) if rule_ids is None or r.id in rule_ids]
        if study not in self._settings:  # configuration is read once per run
            self._settings[study] = load_settings(study, studyid_for(study))
        settings = self._settings[study]

        with connect(read_only=True, path=self.db) as con:
            columns = table_columns(con, target)
            rows = 0
            if columns and target.study_column in columns:
                rows = con.execute(
                    f'select count(*) from {target.layer}."{target.table}" where "{target.study_column}" = ?',
                    [settings.studyid]).fetchone()[0]

        run = SuiteRun(target=target, study=study, studyid=settings.studyid, run_id=self.run_id,
                       rows=rows, results={})
        if not rows and not _supplies(study, target):
            # the study delivers no such domain: skipped, whether or not another study made the table
            for r in rules:
                run.results[r.id] = RuleResult(r, study, "not_supplied", r.engine,
                                               detail=f"not supplied: study {study} delivers no {target.table.upper()}")
            return run
        if not columns:
            run.table_missing = True
            for r in rules:
                run.results[r.id] = RuleResult(r, study, "error", r.engine,
                                               detail=f"table {target.name} does not exist in the warehouse")
            return run

        null_cols = sorted(optional_columns(rules) - set(columns))
        present = {**columns, **{c: "VARCHAR" for c in null_cols}}
        query = batch_query(target, list(columns), settings.studyid, null_cols)
        compiled = [compile_rule(r, target, present, settings) for r in rules]
        index_cols = [target.subject_column, "_record"]

        for c in compiled:
            if c.not_applicable and not c.expectations and not c.missing_columns:
                run.results[c.rule.id] = RuleResult(c.rule, study, "not_applicable", c.engine,
                                                    element_count=rows, detail=c.not_applicable)
            else:
                run.results[c.rule.id] = RuleResult(c.rule, study, "passed", c.engine, element_count=rows)
            for col in c.missing_columns:
                res = run.results[c.rule.id]
                res.status = "failed"
                res.unexpected_count += rows
                res.findings.append(Finding(None, None, col, "(variable missing from the feed)"))

        # ---- GX: built-in expectations and UnexpectedRowsExpectation SQL
        gx_items = [(c, e) for c in compiled for e in c.expectations]
        if gx_items:
            t0 = time.perf_counter()
            try:
                self._run_gx(run, target, study, query, gx_items, index_cols, settings.max_findings)
            finally:
                self.release()
            run.gx_seconds = time.perf_counter() - t0

        # ---- SQL fallback: rules that read a second table
        fallback = [c for c in compiled if c.engine == "sql" and c.sql]
        if fallback:
            t0 = time.perf_counter()
            with connect(read_only=True, path=self.db) as con:
                for c in fallback:
                    res = run.results[c.rule.id]
                    t1 = time.perf_counter()
                    sql = c.sql.replace(BATCH, f"({query})")
                    try:
                        n = con.execute(f"select count(*) from ({sql})").fetchone()[0]
                        rows_ = con.execute(f"select * from ({sql}) limit {int(settings.max_findings)}").fetchall()
                    except Exception as exc:  # a missing reference table, a bad column
                        res.status, res.detail = "error", f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
                    else:
                        self._add_rows(res, [dict(zip(("usubjid", "record", "variable", "value"), r)) for r in rows_],
                                       n, settings.max_findings)
                    res.seconds = time.perf_counter() - t1
            run.fallback_seconds = time.perf_counter() - t0
        return run

    # ----------------------------------------------------------------------- GX
    def _run_gx(self, run: SuiteRun, target: Target, study: str, query: str, gx_items, index_cols,
                max_findings: int) -> None:
        import great_expectations as gx
        from great_expectations.core.run_identifier import RunIdentifier

        context = self._gx()
        name = self._unique(f"{target.name}.{study}")
        asset = self._source.add_query_asset(name=name, query=query)
        batch_def = asset.add_batch_definition_whole_table("all rows")
        # one add with every expectation: adding them one by one re-serialises the suite each time
        suite = context.suites.add(gx.ExpectationSuite(
            name=name, expectations=[e for _c, e in gx_items],
            meta={"notes": f"Rules for {target.name}, study {study}: expectations/rules.yml"}))
        vd = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch_def, suite=suite))
        sample_format = {"result_format": "COMPLETE", "unexpected_index_column_names": index_cols,
                         "partial_unexpected_count": SAMPLE_SIZE, "return_unexpected_index_query": False}
        run_identifier = RunIdentifier(run_name=_safe_name(self.run_id), run_time=self.run_time)
        t0 = time.perf_counter()
        result = vd.run(result_format=sample_format, run_id=run_identifier)
        log.debug("GX validated %s in %.2fs", name, time.perf_counter() - t0)

        batch = None
        for er in result.results:
            meta = er.expectation_config.meta or {}
            res = run.results[meta["rule_id"]]
            variable = meta.get("variable")
            etype = er.expectation_config.type
            info = er.exception_info or {}
            raised = info.get("raised_exception") or any(
                isinstance(v, dict) and v.get("raised_exception") for v in info.values())
            if raised:
                msgs = [info.get("exception_message")] + [
                    v.get("exception_message") for v in info.values() if isinstance(v, dict)]
                res.status = "error"
                res.detail = "; ".join(m for m in msgs if m)[:500] or "GX raised an exception"
                continue
            if er.success:
                continue
            if res.status != "error":
                res.status = "failed"
            r = er.result or {}
            if etype == "expect_column_to_exist":
                continue  # reported as missing_columns
            if etype == "unexpected_rows_expectation":
                count = int(r.get("observed_value") or 0)
                rows = list((r.get("details") or {}).get("unexpected_rows") or [])
                if count > len(rows):
                    expectation = next(e for c, e in gx_items if e is er.expectation_config or
                                       (e.meta or {}).get("rule_id") == res.rule.id and
                                       e.expectation_type == etype)
                    rows = vd.get_unexpected_rows(expectation)
                self._add_rows(res, rows, count, max_findings)
            else:
                count = int(r.get("unexpected_count") or 0)
                idx = _index_rows(r.get("unexpected_index_list") or r.get("partial_unexpected_index_list"))
                if count > len(idx):
                    if batch is None:
                        batch = batch_def.get_batch()
                    expectation = next(e for c, e in gx_items if (e.meta or {}).get("rule_id") == res.rule.id
                                       and (e.meta or {}).get("variable") == variable
                                       and e.expectation_type == etype)
                    full = batch.validate(expectation, result_format={
                        **sample_format, "partial_unexpected_count": max_findings})
                    idx = _index_rows((full.result or {}).get("unexpected_index_list"))
                rows = [{"usubjid": d.get(index_cols[0]), "record": d.get("_record"), "variable": variable,
                         "value": d.get(variable)} for d in idx]
                self._add_rows(res, rows, count, max_findings)

        # data docs: this validation's page (and the site index)
        if not self.build_docs:
            return
        t_docs = time.perf_counter()
        try:
            from safety_warehouse.quality.gx_duckdb import keep_newest_page

            key = next(k for k in context.validation_results_store.list_keys()
                       if k.expectation_suite_identifier.name == name)
            context.build_data_docs(site_names=["warehouse"], resource_identifiers=[key])
            urls = context.get_docs_sites_urls(resource_identifier=key, site_name="warehouse")
            url = urls[0]["site_url"] if urls else None
            if url and url.startswith("file://"):
                run.docs_path = Path(url[len("file://"):])
                keep_newest_page(run.docs_path)
            run.docs_index = self.docs_dir / "index.html"
        except Exception as exc:  # docs are a convenience; the check result stands without them
            log.warning("data docs not built for %s: %s", name, exc)
        run.docs_seconds = time.perf_counter() - t_docs

    @staticmethod
    def _add_rows(res: RuleResult, rows: list[dict], count: int, max_findings: int) -> None:
        res.unexpected_count += int(count)
        if res.status == "passed" and count:
            res.status = "failed"
        room = max_findings - len(res.findings)
        if len(rows) > room or count > len(rows):
            res.truncated = True
        for row in rows[:max(room, 0)]:
            res.findings.append(Finding(
                usubjid=_to_text(row.get("usubjid")),
                seq=_to_text(row.get("record")),
                variable=_to_text(row.get("variable")),
                value=_to_text(row.get("value")),
            ))


# --------------------------------------------------------------------------- per-run cache

_SESSION: QualitySession | None = None


def session_for(run_id: str) -> QualitySession:
    """The session of this run; a new run (or another warehouse) starts a new one."""
    global _SESSION
    db = paths.warehouse_path()
    docs = paths.outputs_dir() / "data_docs"
    if _SESSION is None or _SESSION.run_id != run_id or _SESSION.db != db or _SESSION.docs_dir != docs:
        if _SESSION is not None:
            _SESSION.close()
        _SESSION = QualitySession(run_id, db=db, docs_dir=docs)
    return _SESSION

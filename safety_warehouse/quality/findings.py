"""Findings: `quality.dq_findings`, `quality.dq_rule_runs` and the summary view.

dq_findings holds one row per failing record per rule (and study). A finding is identified by
(rule, study, table, subject, record key, variable); each run that evaluates the rule for the
study updates it:
- still failing          -> status 'open', last_seen and run_id of this run, current value;
- failing for the first time (or again after being resolved) -> inserted / reopened;
- open but no longer failing -> status 'resolved', resolved_at and run_id of this run.
A rule that was not evaluated (not applicable, or an error) leaves its findings as they were,
and so does a rule whose findings hit the per-rule cap (the list is incomplete).

dq_rule_runs keeps one row per rule, study and run: the history behind the check results;
dq_suite_runs one row per table, study and run, with the time GX and the SQL fallback took.
Every write is one short transaction on its own connection.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from safety_warehouse import paths
from safety_warehouse.quality.runner import SuiteRun
from safety_warehouse.warehouse import connect

FINDINGS_DDL = """
create table if not exists quality.dq_findings (
    finding_id      varchar primary key,   -- md5 of rule, study, table, subject, record, variable
    rule_id         varchar not null,
    severity        varchar not null,      -- ERROR | WARN
    study           varchar not null,      -- study folder (Dagster partition)
    studyid         varchar,
    layer           varchar not null,      -- raw (the catalogue checks feeds; marts have dbt tests)
    domain          varchar not null,      -- SDTM domain (AE, SUPPLB) or mart name
    usubjid         varchar,
    seq             varchar,               -- --SEQ, or the record key of the table (rules.yml)
    variable        varchar,
    value           varchar,
    message         varchar not null,
    run_id          varchar not null,      -- last run that evaluated the finding
    first_seen      timestamptz not null,
    last_seen       timestamptz not null,  -- last run in which the record failed
    status          varchar not null,      -- open | resolved
    resolved_at     timestamptz
)
"""

RULE_RUNS_DDL = """
create table if not exists quality.dq_rule_runs (
    run_id              varchar not null,
    checked_at          timestamptz not null,
    study               varchar not null,
    layer               varchar not null,
    domain              varchar not null,
    rule_id             varchar not null,
    severity            varchar not null,
    engine              varchar not null,  -- gx | gx-sql | sql (fallback)
    status              varchar not null,  -- passed | failed | not_applicable | not_supplied | error
    element_count       bigint,
    unexpected_count    bigint,
    unexpected_records  bigint,
    unexpected_percent  double,
    truncated           boolean,
    seconds             double,
    detail              varchar
)
"""

SUITE_RUNS_DDL = """
create table if not exists quality.dq_suite_runs (
    run_id            varchar not null,
    checked_at        timestamptz not null,
    study             varchar not null,
    layer             varchar not null,
    domain            varchar not null,
    rows              bigint,
    rules             integer,
    failed_rules      integer,
    gx_seconds        double,            -- GX validation (built-in and SQL expectations), data docs included
    docs_seconds      double,            -- of which: writing the data-docs page
    fallback_seconds  double,            -- cross-table rules run as plain SQL
    data_docs         varchar            -- the validation's data-docs page, relative to the outputs folder
)
"""

SUMMARY_VIEW = """
create or replace view quality.dq_findings_summary as
select study, layer, domain, rule_id, severity,
       any_value(message)                                   as message,
       count(*) filter (where status = 'open')              as open_findings,
       count(distinct usubjid) filter (where status = 'open') as open_subjects,
       count(*) filter (where status = 'resolved')          as resolved_findings,
       min(first_seen)                                      as first_seen,
       max(last_seen)                                       as last_seen,
       arg_max(run_id, last_seen)                           as last_run_id
from quality.dq_findings f
group by study, layer, domain, rule_id, severity
"""


def _relative_to_outputs(path: Path) -> str:
    """Published tables hold no server paths: a page is named relative to the outputs folder."""
    try:
        return Path(path).relative_to(paths.outputs_dir()).as_posix()
    except ValueError:
        return Path(path).name


def ensure_tables(con) -> None:
    con.execute(FINDINGS_DDL)
    con.execute(RULE_RUNS_DDL)
    con.execute(SUITE_RUNS_DDL)
    con.execute(SUMMARY_VIEW)


def _domain(run: SuiteRun) -> str:
    return run.target.table.upper()


def record(run: SuiteRun, db: Path | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Write one suite run's findings and rule results. Returns counts of opened/resolved rows."""
    now = now or dt.datetime.now(dt.timezone.utc)
    domain = _domain(run)
    rows = {k: [] for k in ("rule_id", "severity", "usubjid", "seq", "variable", "value", "message")}
    evaluated: list[str] = []  # rules whose findings are complete for this run
    for rid, res in run.results.items():
        if res.evaluated and not res.truncated:
            evaluated.append(rid)
        if res.status != "failed":
            continue
        seen = set()
        for f in res.findings:
            key = (f.usubjid, f.seq, f.variable)
            if key in seen:
                continue
            seen.add(key)
            rows["rule_id"].append(rid)
            rows["severity"].append(res.rule.severity)
            rows["usubjid"].append(f.usubjid)
            rows["seq"].append(f.seq)
            rows["variable"].append(f.variable)
            rows["value"].append(f.value)
            rows["message"].append(res.rule.message)
    current = pa.table({k: pa.array(v, type=pa.string()) for k, v in rows.items()})
    runs = pa.table({
        "rule_id": pa.array([r.rule.id for r in run.results.values()], pa.string()),
        "severity": pa.array([r.rule.severity for r in run.results.values()], pa.string()),
        "engine": pa.array([r.engine for r in run.results.values()], pa.string()),
        "status": pa.array([r.status for r in run.results.values()], pa.string()),
        "element_count": pa.array([r.element_count for r in run.results.values()], pa.int64()),
        "unexpected_count": pa.array([r.unexpected_count for r in run.results.values()], pa.int64()),
        "unexpected_records": pa.array([r.unexpected_records for r in run.results.values()], pa.int64()),
        "unexpected_percent": pa.array([r.unexpected_percent for r in run.results.values()], pa.float64()),
        "truncated": pa.array([r.truncated for r in run.results.values()], pa.bool_()),
        "seconds": pa.array([round(r.seconds, 4) for r in run.results.values()], pa.float64()),
        "detail": pa.array([r.detail for r in run.results.values()], pa.string()),
    })
    evaluated_tbl = pa.table({"rule_id": pa.array(evaluated, pa.string())})
    params = dict(study=run.study, studyid=run.studyid, layer=run.target.layer, domain=domain,
                  run_id=run.run_id, now=now)

    with connect(path=db) as con:
        ensure_tables(con)
        con.register("dq_current", current)
        con.register("dq_runs", runs)
        con.register("dq_evaluated", evaluated_tbl)
        con.execute("begin transaction")
        try:
            con.execute("""
                create or replace temp table dq_cur as
                select md5(concat_ws('|', rule_id, $study, $domain, coalesce(usubjid, ''), coalesce(seq, ''),
                                     coalesce(variable, ''))) as finding_id, *
                from dq_current""", {"study": run.study, "domain": domain})
            reopened = con.execute("""
                update quality.dq_findings f
                set value = c.value, severity = c.severity, message = c.message, run_id = $run_id,
                    last_seen = $now, status = 'open', resolved_at = null
                from dq_cur c
                where f.finding_id = c.finding_id and f.status = 'resolved'
                returning f.finding_id""", {"run_id": run.run_id, "now": now}).fetchall()
            con.execute("""
                update quality.dq_findings f
                set value = c.value, severity = c.severity, message = c.message, run_id = $run_id,
                    last_seen = $now
                from dq_cur c
                where f.finding_id = c.finding_id and f.status = 'open'""", {"run_id": run.run_id, "now": now})
            opened = con.execute("""
                insert into quality.dq_findings
                select c.finding_id, c.rule_id, c.severity, $study, $studyid, $layer, $domain, c.usubjid, c.seq,
                       c.variable, c.value, c.message, $run_id, $now, $now, 'open', null
                from dq_cur c
                where not exists (select 1 from quality.dq_findings f where f.finding_id = c.finding_id)
                returning finding_id""", params).fetchall()
            resolved = con.execute("""
                update quality.dq_findings f
                set status = 'resolved', resolved_at = $now, run_id = $run_id
                where f.study = $study and f.layer = $layer and f.domain = $domain and f.status = 'open'
                  and f.rule_id in (select rule_id from dq_evaluated)
                  and not exists (select 1 from dq_cur c where c.finding_id = f.finding_id)
                returning f.finding_id""",
                {"study": run.study, "layer": run.target.layer, "domain": domain, "run_id": run.run_id,
                 "now": now}).fetchall()
            con.execute("""
                insert into quality.dq_rule_runs
                select $run_id, $now, $study, $layer, $domain, rule_id, severity, engine, status, element_count,
                       unexpected_count, unexpected_records, unexpected_percent, truncated, seconds, detail
                from dq_runs""", {"run_id": run.run_id, "now": now, "study": run.study,
                                  "layer": run.target.layer, "domain": domain})
            con.execute(
                "insert into quality.dq_suite_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run.run_id, now, run.study, run.target.layer, domain, run.rows, len(run.results),
                 sum(1 for r in run.results.values() if not r.passed), round(run.gx_seconds, 4),
                 round(run.docs_seconds, 4), round(run.fallback_seconds, 4),
                 _relative_to_outputs(run.docs_path) if run.docs_path else None])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        finally:
            for name in ("dq_current", "dq_runs", "dq_evaluated"):
                con.unregister(name)
    return {"opened": len(opened), "reopened": len(reopened), "resolved": len(resolved)}

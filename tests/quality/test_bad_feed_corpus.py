"""Every bad feed of the corpus: the exact rule that fires, that an ERROR blocks what is
downstream (a failed, blocking ERROR check with a message naming the records), and that the
tables a refused or blocked feed must not touch are unchanged."""

from __future__ import annotations

import duckdb
import pytest
from quality_corpus import CASES, SQL_DROP, SQL_FREE_TEXT, Case
from quality_support import STUDY, copy_warehouse, validate

from expectations import catalogue


def fingerprint(db, skip: str | None = None) -> dict[str, tuple]:
    """Row count and an order-independent hash of every raw feed table."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' "
            "and table_name not like 'cfg\\_%' escape '\\' and table_name <> 'load_log'").fetchall()]
        return {t: tuple(con.execute(f'select count(*), sum(hash(x)) from raw."{t}" x').fetchone())
                for t in tables if t != skip}
    finally:
        con.close()


def _load(case: Case, subset, tmp_path):
    """Write the case's feed in a copy of the study folder and load it into a copy of the base warehouse."""
    from safety_warehouse.feeds import FeedFile
    from safety_warehouse.raw_loader import load_feed
    from safety_warehouse.study_model import load_study
    from safety_warehouse.warehouse import connect

    folder = tmp_path / "raw" / STUDY
    folder.mkdir(parents=True)
    path = case.build(subset, folder)
    db = copy_warehouse(subset.base.db, tmp_path / "case.duckdb")
    with connect(path=db) as con:
        load_feed(con, FeedFile(STUDY, case.domain, path), load_study(STUDY).studyid)
    return db


def _params():
    for case in CASES:
        marks = [pytest.mark.xfail(reason=case.xfail, strict=True)] if case.xfail else []
        yield pytest.param(case, id=case.id, marks=marks)


def test_corpus_is_large_enough():
    assert len(CASES) >= 25
    assert len({c.id for c in CASES}) == len(CASES)
    known = {r.id for r in catalogue.rules()}
    for case in CASES:
        assert case.rules <= known, case.id


@pytest.mark.parametrize("case", [c for c in _params() if c.values[0].feed_error])
def test_structural_fault_is_refused_and_tables_stay(case: Case, subset, tmp_path):
    from safety_warehouse.feeds import FeedError

    before = fingerprint(subset.base.db)
    with pytest.raises(FeedError) as err:
        _load(case, subset, tmp_path)
    assert err.value.rule == case.feed_error
    assert f"{case.domain}." in err.value.file and case.feed_error in str(err.value)
    assert fingerprint(tmp_path / "case.duckdb") == before


@pytest.mark.parametrize("case", [c for c in _params() if not c.values[0].feed_error])
def test_content_fault_fires_exactly_its_rules(case: Case, subset, tmp_path):
    from orchestration.defs.quality.checks import build_suite_check, check_results

    before = fingerprint(subset.base.db, skip=case.domain)
    db = _load(case, subset, tmp_path)
    # the other feeds are untouched by this load
    assert fingerprint(db, skip=case.domain) == before

    result = validate(db, case.validated(), run_id=f"corpus-{case.id}")
    fired = set()
    for target in case.validated():
        baseline = subset.base.failing(target)
        assert not (case.rules & baseline), f"{case.rules & baseline} already fail on the subset"
        fired |= result.failing(target) - baseline
        errors = [r for r in result.runs[target].results.values() if r.status == "error"]
        assert not errors, [(r.rule.id, r.detail) for r in errors]
    assert fired == case.rules

    for target in case.validated():
        run = result.runs[target]
        rules = catalogue.rules_for(target)
        target_def = catalogue.targets()[target]
        specs = {s.name: s for s in build_suite_check(target_def, rules, {("raw", "dm"), ("raw", "sv"), ("raw", "ae"),
                                                                          ("raw", "lb")}).check_specs}
        checks = {r.check_name: r for r in check_results(rules, [run], gx_seconds=run.gx_seconds,
                                                          fallback_seconds=run.fallback_seconds)}
        for rule in rules:
            if rule.id not in case.rules:
                continue
            res = checks[rule.check_name]
            assert res.passed is False
            assert specs[rule.check_name].blocking is (rule.severity == "ERROR")
            assert res.severity.value == rule.severity
            assert "records fail" in res.description and rule.message in res.description
            assert res.metadata["unexpected_count"].value >= 1
            sample = res.metadata["failing_records_sample"].value
            assert sample.count("\n| ") <= 10 + 1  # header row + at most 10 records


def test_sql_in_values_is_stored_verbatim_and_harms_nothing(subset, tmp_path):
    cases = {c.id: c for c in CASES}
    for name, text, rule in (("sql_in_coded_value", SQL_DROP, "AE-AESEV-CT"), ("sql_in_free_text", SQL_FREE_TEXT, None)):
        work = tmp_path / name
        work.mkdir()
        db = _load(cases[name], subset, work)
        validate(db, ["raw.ae"], run_id=f"sql-{name}")
        con = duckdb.connect(str(db), read_only=True)
        try:
            assert con.execute("select count(*) from raw.dm").fetchone()[0] == subset.tables["dm"].num_rows
            col = "AESEV" if rule else "AETERM"
            assert con.execute(f"select count(*) from raw.ae where {col} = ?", [text]).fetchone()[0] == 1
            if rule:
                values = [v for (v,) in con.execute(
                    "select value from quality.dq_findings where rule_id = ? and status = 'open'", [rule]).fetchall()]
                assert values == [text]
            assert con.execute("select count(*) from quality.dq_rule_runs").fetchone()[0] > 0
        finally:
            con.close()


@pytest.mark.parametrize("case_id, age", [("age_negative", "-5"), ("age_250_years", "250")])
def test_age_finding_names_the_subject_and_the_value(case_id, age, subset, tmp_path):
    case = {c.id: c for c in CASES}[case_id]
    subject = next(r["USUBJID"] for r in subset.tables["dm"].to_pylist() if r["AGEU"] == "YEARS")
    db = _load(case, subset, tmp_path)
    validate(db, case.validated(), run_id=f"records-{case_id}")
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = con.execute("select usubjid, seq, variable, value from quality.dq_findings "
                            "where status = 'open' and rule_id = 'DM-AGE-PLAUSIBLE'").fetchall()
    finally:
        con.close()
    assert found == [(subject, None, "AGE", f"{age} YEARS")]

"""The raw suites on the real CDISC Pilot 01 feeds: no ERROR rule fails, and the WARN findings
are the data problems the pilot really has."""

from __future__ import annotations

import duckdb
import pytest

from quality_support import RAW_TARGETS, STUDY


def _query(db, sql, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_every_error_rule_passes_on_the_pilot(pilot):
    failing = {
        rid: (r.status, r.unexpected_count, r.detail)
        for target in RAW_TARGETS
        for rid, r in pilot.runs[target].results.items()
        if r.rule.severity == "ERROR" and not r.passed
    }
    assert failing == {}


def test_every_rule_was_evaluated_or_is_explained(pilot):
    for target in RAW_TARGETS:
        for rid, r in pilot.runs[target].results.items():
            assert r.status != "error", (rid, r.detail)
            if r.status == "not_applicable":
                assert r.detail, rid


def test_warn_findings_are_what_the_pilot_really_has(pilot):
    warn = {rid: r for t in RAW_TARGETS for rid, r in pilot.runs[t].results.items()
            if r.rule.severity == "WARN" and not r.passed}
    # HbA1c was collected without a lab category
    lbcat = warn["LB-LBCAT-POPULATED"]
    assert lbcat.unexpected_records == 8
    hba1c = _query(pilot.db, "select count(*) from raw.lb where LBTESTCD = 'HBA1C' and nullif(trim(LBCAT), '') is null")
    assert hba1c[0][0] == 8
    # bilirubin and glucose results below the limit of quantification: "<value", no LBSTRESN
    qualified = warn["LB-STRESC-QUALIFIED"]
    assert qualified.unexpected_records == 6
    assert all(f.value.startswith("<") for f in qualified.findings)
    tests = _query(pilot.db, """select distinct LBTESTCD from raw.lb
                                where LBSTRESC like '<%' and LBSTRESN is null order by 1""")
    assert [t for (t,) in tests] == ["BILI", "GLUC"]
    # vital signs not done, no result
    not_done = warn["VS-NOT-DONE"]
    assert not_done.unexpected_records == 8
    assert {f.variable for f in not_done.findings} == {"VSTESTCD"}
    # partial AE start dates (YYYY or YYYY-MM)
    partial = warn["AE-DTC-PARTIAL"]
    assert partial.unexpected_records == 26
    assert {f.variable for f in partial.findings} == {"AESTDTC"}
    assert {len(f.value) for f in partial.findings} == {4, 7}
    # the pilot's sponsor-defined disposition milestones are in its quality.yml, so DSDECOD passes
    assert "DS-DSDECOD-CT" not in warn


def test_findings_table_holds_one_row_per_failing_record(pilot):
    rows = dict(_query(pilot.db, """select rule_id, count(*) from quality.dq_findings
                                    where status = 'open' and study = ? group by rule_id""", [STUDY]))
    assert rows["LB-LBCAT-POPULATED"] == 8
    assert rows["LB-STRESC-QUALIFIED"] == 6
    assert rows["VS-NOT-DONE"] == 8
    assert rows["AE-DTC-PARTIAL"] == 26
    assert not any(r.startswith(("AE-REQ", "LB-REQ")) for r in rows)
    sample = _query(pilot.db, """select severity, domain, usubjid, seq, variable, value, message, run_id
                                 from quality.dq_findings where rule_id = 'LB-STRESC-QUALIFIED' order by seq""")
    for severity, domain, usubjid, seq, variable, value, message, run_id in sample:
        assert (severity, domain, variable, run_id) == ("WARN", "LB", "LBSTRESC", "pilot-run-1")
        assert usubjid and seq and value.startswith("<") and "comparator" in message


def test_summary_view_counts_open_findings_per_study_domain_and_rule(pilot):
    summary = {(d, r): (n, s) for d, r, n, s in _query(pilot.db, """
        select domain, rule_id, open_findings, open_subjects from quality.dq_findings_summary where study = ?""",
        [STUDY])}
    assert summary[("LB", "LB-LBCAT-POPULATED")][0] == 8
    assert summary[("AE", "AE-DTC-PARTIAL")][0] == 26
    subjects = _query(pilot.db, """select count(distinct USUBJID) from raw.ae
                                   where length(AESTDTC) < 10""")[0][0]
    assert summary[("AE", "AE-DTC-PARTIAL")][1] == subjects


def test_rule_runs_record_every_rule_and_engine(pilot):
    rows = _query(pilot.db, "select engine, status, count(*) from quality.dq_rule_runs group by all")
    engines = {e for e, _s, _n in rows}
    assert engines == {"gx", "gx-sql", "sql"}
    total = sum(n for _e, _s, n in rows)
    assert total == sum(len(pilot.runs[t].results) for t in RAW_TARGETS)


def test_data_docs_page_per_validation(pilot):
    for target in RAW_TARGETS:
        run = pilot.runs[target]
        assert run.docs_path is not None and run.docs_path.exists(), target
        assert run.docs_path.suffix == ".html"
        html = run.docs_path.read_text(encoding="utf-8")
        assert target in html
    assert pilot.runs["raw.lb"].docs_index.exists()


@pytest.mark.parametrize("target", RAW_TARGETS)
def test_each_suite_counts_the_rows_of_the_study(pilot, target):
    run = pilot.runs[target]
    table = target.split(".")[1]
    n = _query(pilot.db, f'select count(*) from raw."{table}" where STUDYID = ?', [run.studyid])[0][0]
    assert run.rows == n > 0

"""quality.dq_findings life cycle, on hand-made suite results (no GX): open, still open, resolved,
reopened; a rule that was not evaluated or whose findings were capped resolves nothing."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from expectations import catalogue
from safety_warehouse.quality.findings import record
from safety_warehouse.quality.runner import Finding, RuleResult, SuiteRun

RULE = "LB-LBCAT-POPULATED"
OTHER = "LB-STRESC-QUALIFIED"


def _run(run_id: str, failing: dict[str, list[Finding]], status: dict[str, str] | None = None,
         truncated: set[str] = frozenset()) -> SuiteRun:
    target = catalogue.targets()["raw.lb"]
    results = {}
    for rid in (RULE, OTHER):
        rule = catalogue.rule(rid)
        found = failing.get(rid, [])
        st = (status or {}).get(rid) or ("failed" if found else "passed")
        results[rid] = RuleResult(rule, "study_a", st, rule.engine, element_count=100,
                                  unexpected_count=len(found), findings=list(found), truncated=rid in truncated)
    return SuiteRun(target=target, study="study_a", studyid="STUDY-A", run_id=run_id, rows=100, results=results)


def _rows(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {(r[0], r[1], r[2]): r[3:] for r in con.execute(
            "select rule_id, usubjid, seq, status, value, run_id, first_seen, last_seen, resolved_at "
            "from quality.dq_findings").fetchall()}
    finally:
        con.close()


T0 = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def _t(h):
    return T0 + dt.timedelta(hours=h)


@pytest.fixture()
def db(tmp_path):
    return tmp_path / "w.duckdb"


def test_open_then_resolved_then_reopened(db):
    a, b = Finding("S1", "1", "LBCAT", None), Finding("S2", "7", "LBCAT", None)
    assert record(_run("r1", {RULE: [a, b]}), db=db, now=_t(1)) == {"opened": 2, "reopened": 0, "resolved": 0}
    rows = _rows(db)
    assert rows[(RULE, "S1", "1")][:2] == ("open", None) and rows[(RULE, "S1", "1")][2] == "r1"

    # the feed is corrected for S1 only
    assert record(_run("r2", {RULE: [b]}), db=db, now=_t(2)) == {"opened": 0, "reopened": 0, "resolved": 1}
    rows = _rows(db)
    status, _v, run_id, first, last, resolved = rows[(RULE, "S1", "1")]
    assert (status, run_id, first, last, resolved) == ("resolved", "r2", _t(1), _t(1), _t(2))
    status, _v, run_id, first, last, resolved = rows[(RULE, "S2", "7")]
    assert (status, run_id, first, last, resolved) == ("open", "r2", _t(1), _t(2), None)

    # S1 fails again
    assert record(_run("r3", {RULE: [a, b]}), db=db, now=_t(3))["reopened"] == 1
    status, _v, run_id, first, last, resolved = _rows(db)[(RULE, "S1", "1")]
    assert (status, run_id, first, last, resolved) == ("open", "r3", _t(1), _t(3), None)


def test_value_is_updated_while_open(db):
    record(_run("r1", {OTHER: [Finding("S1", "3", "LBSTRESC", "<3.42")]}), db=db, now=_t(1))
    record(_run("r2", {OTHER: [Finding("S1", "3", "LBSTRESC", "<2.5")]}), db=db, now=_t(2))
    assert _rows(db)[(OTHER, "S1", "3")][:2] == ("open", "<2.5")


def test_rules_not_evaluated_or_capped_resolve_nothing(db):
    a = Finding("S1", "1", "LBCAT", None)
    q = Finding("S1", "3", "LBSTRESC", "<3.42")
    record(_run("r1", {RULE: [a], OTHER: [q]}), db=db, now=_t(1))
    record(_run("r2", {}, status={RULE: "error", OTHER: "not_applicable"}), db=db, now=_t(2))
    assert {k: v[0] for k, v in _rows(db).items()} == {(RULE, "S1", "1"): "open", (OTHER, "S1", "3"): "open"}
    # capped: only part of the failing records is known
    record(_run("r3", {RULE: [Finding("S9", "1", "LBCAT", None)]}, truncated={RULE}), db=db, now=_t(3))
    assert _rows(db)[(RULE, "S1", "1")][0] == "open"


def test_other_studies_are_left_alone(db):
    record(_run("r1", {RULE: [Finding("S1", "1", "LBCAT", None)]}), db=db, now=_t(1))
    other = _run("r2", {})
    other.study = "study_b"
    record(other, db=db, now=_t(2))
    assert _rows(db)[(RULE, "S1", "1")][0] == "open"


def test_summary_and_history(db):
    record(_run("r1", {RULE: [Finding("S1", "1", "LBCAT", None), Finding("S1", "2", "LBCAT", None)]}), db=db,
           now=_t(1))
    record(_run("r2", {RULE: [Finding("S1", "2", "LBCAT", None)]}), db=db, now=_t(2))
    con = duckdb.connect(str(db), read_only=True)
    try:
        summary = con.execute("""select study, domain, rule_id, open_findings, open_subjects, resolved_findings
                                 from quality.dq_findings_summary""").fetchall()
        assert summary == [("study_a", "LB", RULE, 1, 1, 1)]
        history = con.execute("""select run_id, rule_id, status, unexpected_records from quality.dq_rule_runs
                                 order by run_id, rule_id""").fetchall()
        assert history == [("r1", RULE, "failed", 2), ("r1", OTHER, "passed", 0),
                           ("r2", RULE, "failed", 1), ("r2", OTHER, "passed", 0)]
    finally:
        con.close()

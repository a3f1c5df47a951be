"""DM-AGE-PLAUSIBLE and --SEQ uniqueness, run as compiled SQL on small hand-made tables (no GX run):
the age range, its default and a study's override, AGEU conversion, and --SEQ compared as a number."""

from __future__ import annotations

import duckdb
import pytest

from expectations import catalogue
from expectations.checks import BATCH, StudySettings, batch_query, compile_rule
from safety_warehouse.study_model import validate_study

STUDYID = "STUDY-A"


def _findings(rule_id: str, columns: list[str], records: list[tuple], quality: dict | None = None) -> set[tuple]:
    rule = catalogue.rule(rule_id)
    target = catalogue.targets()[rule.target]
    con = duckdb.connect()
    try:
        con.execute("create schema raw")
        con.execute(f"create table raw.{target.table} ({', '.join(f'{c} varchar' for c in columns)})")
        con.executemany(f"insert into raw.{target.table} values ({', '.join('?' for _ in columns)})", records)
        present = {c: "VARCHAR" for c in columns}
        config = validate_study({"study": "study_a", "studyid": STUDYID}, quality=quality or {})
        compiled = compile_rule(rule, target, present, StudySettings("study_a", STUDYID, config))
        assert compiled.not_applicable is None, compiled.not_applicable
        sql = compiled.sql.replace(BATCH, f"({batch_query(target, columns, STUDYID)})")
        return {(u, v) for u, _record, _variable, v in con.execute(sql).fetchall()}
    finally:
        con.close()


DM = ["STUDYID", "USUBJID", "AGE", "AGEU"]


def _ages(*rows: tuple, quality: dict | None = None) -> set[tuple]:
    return _findings("DM-AGE-PLAUSIBLE", DM, [(STUDYID, *r) for r in rows], quality)


def test_age_rule_is_an_error_on_dm():
    r = catalogue.rule("DM-AGE-PLAUSIBLE")
    assert (r.target, r.severity, r.check, r.blocking) == ("raw.dm", "ERROR", "plausible_range", True)
    assert r.params["default_ranges"]["AGE"] == {"unit": "YEARS", "low": 0, "high": 120}


def test_default_range_flags_impossible_ages_only():
    found = _ages(("S-NEG", "-5", "YEARS"), ("S-250", "250", "YEARS"), ("S-0", "0", "YEARS"),
                  ("S-120", "120", "YEARS"), ("S-64", "64", "YEARS"), ("S-121", "120.5", "YEARS"))
    assert found == {("S-NEG", "-5 YEARS"), ("S-250", "250 YEARS"), ("S-121", "120.5 YEARS")}


def test_blank_or_non_numeric_age_is_left_to_other_rules():
    assert _ages(("S-BLANK", "  ", "YEARS"), ("S-NULL", None, None), ("S-TEXT", "sixty", "YEARS")) == set()


def test_age_in_another_unit_is_converted_to_years():
    found = _ages(("S-M-OK", "1440", "MONTHS"), ("S-M-BAD", "1500", "MONTHS"), ("S-D-OK", "400", "DAYS"),
                  ("S-W-NEG", "-1", "WEEKS"), ("S-H-OK", "36", "HOURS"), ("S-NOUNIT", "250", None))
    assert found == {("S-M-BAD", "1500 MONTHS"), ("S-W-NEG", "-1 WEEKS"), ("S-NOUNIT", "250")}


def test_unit_outside_the_codelist_is_not_compared():
    assert _ages(("S-X", "250", "YRS")) == set()


def test_study_range_replaces_the_default():
    adults = {"plausible_ranges": {"dm": {"AGE": {"unit": "YEARS", "low": 18, "high": 100}}}}
    found = _ages(("S-17", "17", "YEARS"), ("S-101", "101", "YEARS"), ("S-50", "50", "YEARS"),
                  ("S-M", "204", "MONTHS"), quality=adults)
    assert found == {("S-17", "17 YEARS"), ("S-101", "101 YEARS"), ("S-M", "204 MONTHS")}
    infants = {"plausible_ranges": {"dm": {"AGE": {"unit": "MONTHS", "low": 0, "high": 36}}}}
    assert _ages(("S-Y", "4", "YEARS"), ("S-Y-OK", "2", "YEARS"), ("S-W", "52", "WEEKS"),
                 quality=infants) == {("S-Y", "4 YEARS")}


def test_study_range_in_an_unknown_unit_is_a_configuration_error():
    with pytest.raises(ValueError, match="DM-AGE-PLAUSIBLE"):
        _ages(("S-1", "50", "YEARS"), quality={"plausible_ranges": {"dm": {"AGE": {"unit": "DECADES", "low": 0,
                                                                                    "high": 12}}}})


def test_other_plausible_ranges_keep_their_study_configuration():
    """The lab and vital-sign ranges have no default: without the study's ranges they do not run."""
    for rid in ("LB-STRESN-PLAUSIBLE", "VS-STRESN-PLAUSIBLE"):
        assert "default_ranges" not in catalogue.rule(rid).params


LB = ["STUDYID", "USUBJID", "LBSEQ"]


def _seq(*rows: tuple) -> set[tuple]:
    return _findings("LB-SEQ-UNIQUE", LB, [(STUDYID, *r) for r in rows])


def test_seq_is_unique_as_a_number():
    assert _seq(("S-1", "1"), ("S-1", "1.0"), ("S-1", "2"), ("S-2", "1")) == {("S-1", "1"), ("S-1", "1.0")}
    assert _seq(("S-1", "1"), ("S-1", " 1 "), ("S-1", "3")) == {("S-1", "1")}  # trimmed, one record shown per value
    assert _seq(("S-1", "10"), ("S-1", "1e1"), ("S-1", "01")) == {("S-1", "10"), ("S-1", "1e1")}
    assert _seq(("S-1", "1"), ("S-1", "2"), ("S-2", "1.0")) == set()


def test_seq_that_is_not_a_number_is_compared_as_text():
    assert _seq(("S-1", "A1"), ("S-1", "A1"), ("S-1", "a1"), ("S-1", "1")) == {("S-1", "A1")}


def test_every_seq_rule_compares_numerically():
    for d in ("AE", "DS", "EX", "LB", "VS"):
        assert catalogue.rule(f"{d}-SEQ-UNIQUE").params["numeric"] == [f"{d}SEQ"]

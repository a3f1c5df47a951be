"""The bad-feed corpus: malformed or wrong feeds built by code from a few pilot subjects.

Each case rewrites one feed of the subset (tests/quality/conftest.py `subset`) and says what
must happen: either the loader refuses the file with a structural rule (FeedError rule id) or
the feed loads and exactly the listed data-quality rules start failing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq

SQL_DROP = "MILD'; DROP TABLE raw.dm; --"
SQL_FREE_TEXT = "HEADACHE'); DELETE FROM quality.dq_findings; SELECT ('"


@dataclass
class Case:
    id: str
    domain: str  # the feed that is replaced
    build: Callable  # (subset, folder) -> Path of the written feed
    feed_error: str | None = None  # structural rule the loader must raise
    rules: set[str] = field(default_factory=set)  # data-quality rules that must start failing
    targets: list[str] | None = None  # suites to validate (default raw.<domain>)
    xfail: str | None = None

    def validated(self) -> list[str]:
        return self.targets or [f"raw.{self.domain}"]


# --------------------------------------------------------------------------- helpers

def rows(subset, domain: str) -> list[dict]:
    return subset.tables[domain].to_pylist()


def as_table(records: list[dict], like: pa.Table, drop: tuple[str, ...] = ()) -> pa.Table:
    names = [n for n in like.column_names if n not in drop]
    return pa.table({n: pa.array([r.get(n) for r in records], pa.string()) for n in names})


def parquet(domain: str, records_fn: Callable[[list[dict]], list[dict]], drop: tuple[str, ...] = ()):
    def build(subset, folder: Path) -> Path:
        recs = records_fn([dict(r) for r in rows(subset, domain)])
        path = folder / f"{domain}.parquet"
        pq.write_table(as_table(recs, subset.tables[domain], drop), path)
        return path
    return build


def first(records: list[dict], pred: Callable[[dict], bool]) -> dict:
    for r in records:
        if pred(r):
            return r
    raise LookupError("the subset has no record for this case")


def edit(pred: Callable[[dict], bool], **changes):
    def fn(records: list[dict]) -> list[dict]:
        r = first(records, pred)
        r.update({k: (v(r) if callable(v) else v) for k, v in changes.items()})
        return records
    return fn


def raw_bytes(domain: str, suffix: str, make: Callable):
    def build(subset, folder: Path) -> Path:
        path = folder / f"{domain}{suffix}"
        path.write_bytes(make(subset))
        return path
    return build


def _csv_text(subset, domain: str) -> str:
    t = subset.tables[domain]
    lines = [",".join(t.column_names)]
    for r in t.to_pylist():
        lines.append(",".join('"' + ("" if r[c] is None else str(r[c])).replace('"', '""') + '"' for c in t.column_names))
    return "\n".join(lines) + "\n"


def _xpt(subset, domain: str) -> bytes:
    import tempfile

    import pandas as pd
    import pyreadstat

    t = subset.tables[domain]
    df = pd.DataFrame({c: pd.Series(["" if v is None else v for v in t.column(c).to_pylist()], dtype=object)
                       for c in t.column_names})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{domain}.xpt"
        pyreadstat.write_xport(df, str(path), table_name=domain.upper(), file_format_version=5)
        return path.read_bytes()


def _num(x: str | None) -> float | None:
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def _fmt(x: float) -> str:
    return repr(float(x)) if not float(x).is_integer() else str(int(x))


# --------------------------------------------------------------------------- case builders

def _unit_switch(records: list[dict]) -> list[dict]:
    """One subject's glucose after the first visit switches from mmol/L to mg/dL."""
    gluc = [r for r in records if r["LBTESTCD"] == "GLUC" and r["LBSTRESU"] and _num(r["LBSTRESN"]) is not None]
    subject = sorted({r["USUBJID"] for r in gluc})[0]
    mine = sorted((r for r in gluc if r["USUBJID"] == subject), key=lambda r: float(r["VISITNUM"]))
    for r in mine[1:]:
        value = round(float(r["LBSTRESN"]) * 18.016, 1)
        r.update(LBSTRESN=_fmt(value), LBSTRESC=_fmt(value), LBSTRESU="mg/dL",
                 LBSTNRLO=None, LBSTNRHI=None)
    return records


def _times_1000(testcd: str, prefix: str):
    def fn(records: list[dict]) -> list[dict]:
        r = first(records, lambda r: r[f"{prefix}TESTCD"] == testcd and _num(r[f"{prefix}STRESN"]) is not None)
        value = float(r[f"{prefix}STRESN"]) * 1000
        r.update({f"{prefix}STRESN": _fmt(value), f"{prefix}STRESC": _fmt(value), f"{prefix}ORRES": _fmt(value)})
        return records
    return fn


def _swap_range(records: list[dict]) -> list[dict]:
    r = first(records, lambda r: (_num(r["LBSTNRLO"]) or 0) < (_num(r["LBSTNRHI"]) or 0))
    r["LBSTNRLO"], r["LBSTNRHI"] = r["LBSTNRHI"], r["LBSTNRLO"]
    return records


def _consent_after_onset(subset):
    """DM: the first subject gave consent the day after their first adverse event started."""
    import datetime as dt

    ae = [r for r in rows(subset, "ae") if r["AESTDTC"] and len(r["AESTDTC"]) == 10]
    subject = sorted(r["USUBJID"] for r in ae)[0]
    onset = min(r["AESTDTC"] for r in ae if r["USUBJID"] == subject)
    later = (dt.date.fromisoformat(onset) + dt.timedelta(days=1)).isoformat()
    return edit(lambda r: r["USUBJID"] == subject, RFICDTC=later)


def _consent_builder(subset, folder: Path) -> Path:
    return parquet("dm", _consent_after_onset(subset))(subset, folder)


def _duplicate_visit(records: list[dict]) -> list[dict]:
    r = dict(first(records, lambda r: r["SVSTDTC"]))
    r["SVSTDTC"] = r["SVENDTC"] = "2099-01-01"
    return records + [r]


def _orphan(records: list[dict]) -> list[dict]:
    r = first(records, lambda r: True)
    r["USUBJID"] = r["USUBJID"][:-4] + "9999"
    return records


def _duplicate_key(records: list[dict]) -> list[dict]:
    return records + [dict(records[0])]


def _seq_as_decimal_duplicate(records: list[dict]) -> list[dict]:
    """A lab record delivered twice for one subject, once as LBSEQ '1' and once as '1.0'."""
    r = first(records, lambda r: (r["LBSEQ"] or "").isdigit())
    return records + [{**r, "LBSEQ": r["LBSEQ"] + ".0"}]


def _supp_orphan(records: list[dict]) -> list[dict]:
    r = first(records, lambda r: r["IDVAR"] == "AESEQ")
    r["IDVARVAL"] = "999"
    return records


def _supp_edit(**changes) -> Callable[[list[dict]], list[dict]]:
    """One AETRTEM qualifier of the subset with the given variables changed."""
    def fn(records: list[dict]) -> list[dict]:
        first(records, lambda r: r["QNAM"] == "AETRTEM").update(changes)
        return records
    return fn


def _latin1_csv(subset) -> bytes:
    """A CSV saved in Latin-1: an accented adverse-event term is not valid UTF-8."""
    header, first_row, rest = _csv_text(subset, "ae").split("\n", 2)
    term = subset.tables["ae"].column("AETERM")[0].as_py()
    return "\n".join([header, first_row.replace(term, "C\u00c9PHAL\u00c9E", 1), rest]).encode("latin-1")


def _latin1_header(subset) -> bytes:
    text = _csv_text(subset, "ae").replace("AETERM", "AETERM\u00e9", 1)
    return text.encode("latin-1")


def _truncate(frac: float):
    def make(subset) -> bytes:
        data = _xpt(subset, "ae")
        return data[: int(len(data) * frac)]
    return make


def _garbage(subset) -> bytes:
    rnd = random.Random(20240601)
    return bytes(rnd.randrange(256) for _ in range(4096))


def _no_end(r: dict) -> bool:
    return bool(r["AESTDTC"]) and len(r["AESTDTC"]) == 10 and not r["AEENDTC"]


def _has_end(r: dict) -> bool:
    return bool(r["AESTDTC"]) and len(r["AESTDTC"]) == 10 and bool(r["AEENDTC"])


CASES: list[Case] = [
    # ---------------------------------------------------------------- refused by the loader
    Case("empty_file", "ae", raw_bytes("ae", ".csv", lambda s: b""), feed_error="FEED-NOT-EMPTY"),
    Case("header_only_csv", "ae", raw_bytes("ae", ".csv", lambda s: _csv_text(s, "ae").split("\n")[0].encode() + b"\n"),
         feed_error="FEED-NOT-EMPTY"),
    Case("truncated_xpt_header", "ae", raw_bytes("ae", ".xpt", _truncate(0.3)), feed_error="FEED-READABLE"),
    Case("truncated_xpt_mid_records", "ae", raw_bytes("ae", ".xpt", _truncate(0.9)), feed_error="FEED-READABLE"),
    Case("not_a_parquet_file", "lb", raw_bytes("lb", ".parquet", _garbage), feed_error="FEED-READABLE"),
    Case("latin1_csv_header", "ae", raw_bytes("ae", ".csv", _latin1_header), feed_error="FEED-ENCODING"),
    # pyarrow reports the invalid bytes while parsing the CSV, so the loader names it unreadable
    Case("latin1_csv_values", "ae", raw_bytes("ae", ".csv", _latin1_csv), feed_error="FEED-ENCODING"),
    Case("missing_usubjid_column", "ae", parquet("ae", lambda r: r, drop=("USUBJID",)),
         feed_error="FEED-REQUIRED-COLUMN"),
    Case("duplicate_key", "ae", parquet("ae", _duplicate_key), feed_error="FEED-KEY-UNIQUE"),
    # '1' and '1.0' are one sequence number: the loader writes --SEQ as canonical numeric text
    # before its key check, so the feed is refused. The catalogue rule LB-SEQ-UNIQUE compares
    # --SEQ as numbers too, for tables loaded by other means (tests/quality/test_range_and_seq_rules.py).
    Case("seq_as_decimal_duplicate", "lb", parquet("lb", _seq_as_decimal_duplicate), feed_error="FEED-KEY-UNIQUE"),
    Case("domain_mismatch", "ae", parquet("ae", edit(lambda r: True, DOMAIN="AX")),
         feed_error="FEED-DOMAIN-MATCHES-FILE"),
    Case("other_study", "ae", parquet("ae", edit(lambda r: True, STUDYID="CDISCPILOT02")),
         feed_error="FEED-STUDYID-MATCHES-STUDY"),
    # ---------------------------------------------------------------- loaded, then flagged
    Case("missing_required_variable", "ae", parquet("ae", lambda r: r, drop=("AEDECOD",)), rules={"AE-REQ-VARS"}),
    Case("blank_required_value", "ae", parquet("ae", edit(lambda r: True, AETERM="  ")), rules={"AE-REQ-VARS"}),
    Case("text_in_numeric_variable", "ae", parquet("ae", edit(lambda r: bool(r["AESTDY"]), AESTDY="Day 3")),
         rules={"AE-NUM-VARS"}),
    Case("text_in_lab_result", "lb",
         parquet("lb", edit(lambda r: _num(r["LBSTRESN"]) is not None, LBSTRESN="twelve")),
         rules={"LB-NUM-VARS", "LB-STRESN-MATCHES-STRESC"}),
    Case("orphan_subject", "ae", parquet("ae", _orphan), rules={"AE-SUBJECT-IN-DM"}),
    Case("impossible_date", "ae", parquet("ae", edit(_no_end, AESTDTC="2014-02-30")), rules={"AE-DTC-ISO8601"}),
    Case("month_13", "ex", parquet("ex", edit(lambda r: bool(r["EXENDTC"]), EXENDTC=lambda r: r["EXENDTC"][:5] + "13-01")),
         rules={"EX-DTC-ISO8601"}),
    Case("us_date_format", "ae", parquet("ae", edit(_no_end, AESTDTC="03/15/2014")), rules={"AE-DTC-ISO8601"}),
    Case("end_before_start", "ae",
         parquet("ae", edit(_has_end, AEENDTC=lambda r: str(int(r["AESTDTC"][:4]) - 1) + r["AESTDTC"][4:])),
         rules={"AE-ENDTC-NOT-BEFORE-STDTC"}),
    Case("unit_switch_mid_study", "lb", parquet("lb", _unit_switch), rules={"LB-STRESU-CONSISTENT"}),
    Case("lab_value_1000x", "lb", parquet("lb", _times_1000("ALT", "LB")), rules={"LB-STRESN-PLAUSIBLE"}),
    Case("weight_in_grams", "vs", parquet("vs", _times_1000("WEIGHT", "VS")), rules={"VS-STRESN-PLAUSIBLE"}),
    Case("normal_range_reversed", "lb", parquet("lb", _swap_range), rules={"LB-NRANGE-ORDERED"}),
    Case("stresn_differs_from_stresc", "lb",
         parquet("lb", edit(lambda r: _num(r["LBSTRESC"]) is not None,
                            LBSTRESN=lambda r: _fmt(float(r["LBSTRESC"]) + 1))),
         rules={"LB-STRESN-MATCHES-STRESC"}),
    Case("age_negative", "dm", parquet("dm", edit(lambda r: r["AGEU"] == "YEARS", AGE="-5")),
         rules={"DM-AGE-PLAUSIBLE"}),
    Case("age_250_years", "dm", parquet("dm", edit(lambda r: r["AGEU"] == "YEARS", AGE="250")),
         rules={"DM-AGE-PLAUSIBLE"}),
    Case("age_blank", "dm", parquet("dm", edit(lambda r: True, AGE=None)), rules={"DM-EXP-VARS"}),
    Case("unknown_arm", "dm", parquet("dm", edit(lambda r: True, ARM="Xanomeline Medium Dose")), rules={"DM-ARM-CT"}),
    Case("unknown_arm_code", "dm", parquet("dm", edit(lambda r: True, ARMCD="Xan_Mid")), rules={"DM-ARMCD-CT"}),
    Case("sex_not_in_terminology", "dm", parquet("dm", edit(lambda r: True, SEX="Male")), rules={"DM-SEX-CT"}),
    Case("outcome_not_in_terminology", "ae", parquet("ae", edit(lambda r: True, AEOUT="RESOLVED")),
         rules={"AE-AEOUT-CT"}),
    Case("sql_in_coded_value", "ae", parquet("ae", edit(lambda r: True, AESEV=SQL_DROP)), rules={"AE-AESEV-CT"}),
    Case("sql_in_free_text", "ae", parquet("ae", edit(lambda r: True, AETERM=SQL_FREE_TEXT)), rules=set()),
    Case("very_long_text", "ae", parquet("ae", edit(lambda r: True, AETERM="PAIN " * 100)), rules={"AE-TEXT-LENGTH"}),
    Case("visit_not_in_sv", "vs", parquet("vs", edit(lambda r: bool(r["VISITNUM"]), VISITNUM="77")),
         rules={"VS-VISIT-IN-SV"}),
    Case("standard_result_blank", "lb",
         parquet("lb", edit(lambda r: bool(r["LBORRES"]), LBSTRESC=None, LBSTRESN=None)),
         rules={"LB-STRESC-MISSING"}),
    Case("result_missing_not_marked", "vs",
         parquet("vs", edit(lambda r: bool(r["VSORRES"]), VSORRES=None, VSSTRESC=None, VSSTRESN=None)),
         rules={"VS-RESULT-MISSING"}),
    Case("supplemental_without_parent", "suppae", parquet("suppae", _supp_orphan), rules={"SUPPAE-PARENT-EXISTS"}),
    Case("qualifier_name_not_sdtm", "suppae", parquet("suppae", _supp_edit(QNAM="TRT EMERGENT")),
         rules={"SUPPAE-QNAM-NAME"}),
    Case("treatment_emergent_flag_not_ny", "suppae", parquet("suppae", _supp_edit(QVAL="YES")),
         rules={"SUPPAE-AETRTEM-CT"}),
    Case("action_not_in_terminology", "ae", parquet("ae", edit(lambda r: True, AEACN="STOPPED")),
         rules={"AE-AEACN-CT"}),
    Case("onset_before_consent", "dm", _consent_builder, rules={"AE-ONSET-AFTER-CONSENT"}, targets=["raw.ae"]),
    # WARN only: loaded and reported, nothing blocked
    Case("visit_recorded_twice", "sv", parquet("sv", _duplicate_visit), rules={"SV-VISIT-UNIQUE"}),
    Case("qualifier_by_other_idvar", "suppae", parquet("suppae", _supp_edit(IDVAR="AESPID")),
         rules={"SUPPAE-IDVAR-SEQ"}),
    Case("partial_onset_date", "ae", parquet("ae", edit(_no_end, AESTDTC=lambda r: r["AESTDTC"][:7])),
         rules={"AE-DTC-PARTIAL"}),
]

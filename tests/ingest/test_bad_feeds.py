"""The raw loader refuses malformed feeds with an error naming file, column and rule, and leaves the
previously loaded rows of that domain untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from safety_warehouse.feeds import FeedError, FeedFile
from safety_warehouse.raw_loader import load_feed
from safety_warehouse.warehouse import connect

PILOT = Path(__file__).resolve().parents[2] / "data" / "raw" / "cdiscpilot01"
STUDYID = "CDISCPILOT01"


@pytest.fixture()
def warehouse(tmp_path, monkeypatch):
    db = tmp_path / "wh.duckdb"
    monkeypatch.setenv("SAFETY_WAREHOUSE_DB", str(db))
    monkeypatch.setenv("SAFETY_RAW_DIR", str(tmp_path / "raw"))
    return db


@pytest.fixture()
def study_dir(tmp_path) -> Path:
    d = tmp_path / "raw" / "cdiscpilot01"
    d.mkdir(parents=True)
    return d


def _feed(path: Path) -> FeedFile:
    return FeedFile(study=path.parent.name, domain=path.stem.lower(), path=path)


def _load(path: Path):
    with connect() as con:
        return load_feed(con, _feed(path), STUDYID, run_id="test")


def _rows(domain: str) -> pd.DataFrame:
    with connect(read_only=True) as con:
        return con.execute(f"select * exclude (_load_id) from raw.{domain} order by all").df()


def _good_dm_csv(study_dir: Path) -> Path:
    df = pd.read_sas(PILOT / "dm.xpt", format="xport", encoding="utf-8").head(20)
    path = study_dir / "dm.csv"
    df.to_csv(path, index=False)
    return path


def _lb(study_dir: Path, n: int = 50, name: str = "lb.parquet") -> tuple[Path, pa.Table]:
    table = pq.read_table(PILOT / "lb.parquet").slice(0, n)
    path = study_dir / name
    pq.write_table(table, path)
    return path, table


def test_good_feed_loads_and_is_idempotent(warehouse, study_dir):
    path, table = _lb(study_dir)
    first = _load(path)
    second = _load(path)
    assert (first.action, second.action) == ("loaded", "unchanged")
    assert first.rows == second.rows == table.num_rows
    assert len(_rows("lb")) == table.num_rows
    with connect(read_only=True) as con:
        log = con.execute("select action, rows, sha256, bytes, source_file, run_id from raw.load_log order by loaded_at").fetchall()
    assert [r[0] for r in log] == ["loaded", "unchanged"]
    # provenance names the file relative to the raw root, never a server path
    assert log[0][2] == log[1][2] and log[0][3] == path.stat().st_size and log[0][4] == "cdiscpilot01/lb.parquet"


def test_changed_feed_replaces_study_rows(warehouse, study_dir):
    path, _ = _lb(study_dir, n=50)
    _load(path)
    path, _ = _lb(study_dir, n=30)
    result = _load(path)
    assert result.action == "loaded"
    assert len(_rows("lb")) == 30


def test_other_studies_rows_are_kept(warehouse, study_dir, tmp_path):
    path, _ = _lb(study_dir, n=40)
    _load(path)
    other = tmp_path / "raw" / "otherstudy"
    other.mkdir()
    table = pq.read_table(PILOT / "lb.parquet").slice(0, 25)
    table = table.set_column(0, "STUDYID", pa.array(["OTHER01"] * 25))
    pq.write_table(table, other / "lb.parquet")
    with connect() as con:
        load_feed(con, _feed(other / "lb.parquet"), "OTHER01")
    assert len(_rows("lb")) == 65
    _lb(study_dir, n=10)
    _load(study_dir / "lb.parquet")
    counts = _rows("lb").groupby("STUDYID").size().to_dict()
    assert counts == {"CDISCPILOT01": 10, "OTHER01": 25}


def test_numeric_text_round_trip(warehouse, study_dir):
    path, table = _lb(study_dir, n=200)
    _load(path)
    with connect(read_only=True) as con:
        back = con.execute("select LBSEQ::int, LBSTRESN::double from raw.lb order by LBSEQ::int").fetchall()
    want = sorted(zip(table.column("LBSEQ").to_pylist(), table.column("LBSTRESN").to_pylist()))
    assert back == [(s, v) for s, v in want]


def _assert_refused(path: Path, rule: str, column: str | None = None):
    with pytest.raises(FeedError) as err:
        _load(path)
    assert err.value.rule == rule
    assert str(path.relative_to(path.parents[1])) in str(err.value)
    if column:
        assert err.value.column == column
        assert f"column {column}" in str(err.value)
    return err.value


BAD_CASES = {}


def _case(fn):
    BAD_CASES[fn.__name__] = fn
    return fn


@_case
def empty_file(d):
    p = d / "ae.xpt"
    p.write_bytes(b"")
    return p, "FEED-NOT-EMPTY", None


@_case
def truncated_xpt(d):
    p = d / "ae.xpt"
    p.write_bytes((PILOT / "ae.xpt").read_bytes()[:5000])
    return p, "FEED-READABLE", None


@_case
def xpt_cut_inside_its_records(d):
    data = (PILOT / "ae.xpt").read_bytes()
    p = d / "ae.xpt"
    p.write_bytes(data[: len(data) - 1000])
    return p, "FEED-READABLE", None


@_case
def latin1_values_in_csv(d):
    p = d / "dm.csv"
    p.write_bytes("STUDYID,DOMAIN,USUBJID,ARM\nCDISCPILOT01,DM,01-701-1015,Placebo \xe9\n".encode("latin-1"))
    return p, "FEED-ENCODING", None


@_case
def not_an_xpt(d):
    p = d / "ae.xpt"
    p.write_text("this is not a SAS transport file\n" * 20)
    return p, "FEED-READABLE", None


@_case
def truncated_parquet(d):
    p = d / "lb.parquet"
    p.write_bytes((PILOT / "lb.parquet").read_bytes()[:3000])
    return p, "FEED-READABLE", None


@_case
def header_only_csv(d):
    p = d / "dm.csv"
    p.write_text("STUDYID,DOMAIN,USUBJID,ARM\n")
    return p, "FEED-NOT-EMPTY", None


@_case
def wrong_encoding_csv(d):
    p = d / "dm.csv"
    p.write_bytes("STUDYID,DOMAIN,USUBJID,ARM\nCDISCPILOT01,DM,01-701-1015,Placebo \xe9\n".encode("utf-16"))
    return p, "FEED-ENCODING", None


def _lb_without(d, column):
    t = pq.read_table(PILOT / "lb.parquet").slice(0, 20)
    p = d / "lb.parquet"
    pq.write_table(t.drop_columns([column]), p)
    return p


@_case
def missing_studyid(d):
    return _lb_without(d, "STUDYID"), "FEED-REQUIRED-COLUMN", "STUDYID"


@_case
def missing_usubjid(d):
    return _lb_without(d, "USUBJID"), "FEED-REQUIRED-COLUMN", "USUBJID"


@_case
def missing_domain(d):
    return _lb_without(d, "DOMAIN"), "FEED-REQUIRED-COLUMN", "DOMAIN"


@_case
def missing_seq(d):
    return _lb_without(d, "LBSEQ"), "FEED-REQUIRED-COLUMN", "LBSEQ"


@_case
def blank_usubjid(d):
    t = pq.read_table(PILOT / "lb.parquet").slice(0, 20).to_pandas()
    t.loc[3, "USUBJID"] = " "
    p = d / "lb.parquet"
    t.to_parquet(p)
    return p, "FEED-REQUIRED-VALUE", "USUBJID"


@_case
def domain_value_mismatch(d):
    t = pq.read_table(PILOT / "lb.parquet").slice(0, 20).to_pandas()
    t.loc[5, "DOMAIN"] = "VS"
    p = d / "lb.parquet"
    t.to_parquet(p)
    return p, "FEED-DOMAIN-MATCHES-FILE", "DOMAIN"


@_case
def file_named_for_other_domain(d):
    p = d / "vs.parquet"
    shutil.copy(PILOT / "lb.parquet", p)
    return p, "FEED-REQUIRED-COLUMN", "VSSEQ"


@_case
def supp_rdomain_mismatch(d):
    t = pq.read_table(PILOT / "supplb.parquet").slice(0, 20).to_pandas()
    t["RDOMAIN"] = "AE"
    p = d / "supplb.parquet"
    t.to_parquet(p)
    return p, "FEED-DOMAIN-MATCHES-FILE", "RDOMAIN"


@_case
def duplicate_seq(d):
    t = pq.read_table(PILOT / "lb.parquet").slice(0, 20).to_pandas()
    t.loc[7, "LBSEQ"] = t.loc[6, "LBSEQ"]
    p = d / "lb.parquet"
    t.to_parquet(p)
    return p, "FEED-KEY-UNIQUE", "LBSEQ"


@_case
def duplicate_supp_key(d):
    t = pq.read_table(PILOT / "supplb.parquet").slice(0, 20).to_pandas()
    t = pd.concat([t, t.iloc[[2]]], ignore_index=True)
    p = d / "supplb.parquet"
    t.to_parquet(p)
    return p, "FEED-KEY-UNIQUE", "QNAM"


@_case
def foreign_studyid(d):
    t = pq.read_table(PILOT / "lb.parquet").slice(0, 20).to_pandas()
    t.loc[2, "STUDYID"] = "SOMEOTHERSTUDY"
    p = d / "lb.parquet"
    t.to_parquet(p)
    return p, "FEED-STUDYID-MATCHES-STUDY", "STUDYID"


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_feed_is_refused_and_previous_rows_stay(case, warehouse, study_dir, tmp_path):
    # a previous good load of the domain the bad file targets
    good_dir = tmp_path / "good" / "cdiscpilot01"
    good_dir.mkdir(parents=True)
    bad_path, rule, column = BAD_CASES[case](study_dir)
    domain = bad_path.stem.lower()
    source = next(PILOT.glob(f"{domain}.*"))
    if source.suffix == ".parquet":
        good = good_dir / source.name
        pq.write_table(pq.read_table(source).slice(0, 30), good)
    else:
        good = good_dir / source.name
        shutil.copy(source, good)
    with connect() as con:
        load_feed(con, _feed(good), STUDYID)
    before = _rows(domain)
    with connect(read_only=True) as con:
        log_before = con.execute("select count(*) from raw.load_log").fetchone()[0]

    err = _assert_refused(bad_path, rule, column)
    assert err.rule in str(err)

    after = _rows(domain)
    pd.testing.assert_frame_equal(before, after)
    with connect(read_only=True) as con:
        assert con.execute("select count(*) from raw.load_log").fetchone()[0] == log_before


def test_error_names_the_records(warehouse, study_dir):
    path, rule, column = BAD_CASES["duplicate_seq"](study_dir)
    err = _assert_refused(path, rule, column)
    assert err.records == [7, 8]
    assert "records 7, 8" in str(err)


def test_two_files_for_one_domain(study_dir):
    from safety_warehouse.feeds import discover_feeds

    shutil.copy(PILOT / "dm.xpt", study_dir / "dm.xpt")
    (study_dir / "dm.csv").write_text("STUDYID\n")
    with pytest.raises(FeedError) as err:
        discover_feeds(study_dir)
    assert err.value.rule == "FEED-ONE-FILE-PER-DOMAIN"


def test_csv_feed_loads_as_text(warehouse, study_dir):
    csv = _good_dm_csv(study_dir)
    result = _load(csv)
    assert result.rows == 20
    with connect(read_only=True) as con:
        types = {r[1] for r in con.execute("describe raw.dm").fetchall()}
        ages = [r[0] for r in con.execute("select AGE::double from raw.dm order by USUBJID").fetchall()]
    assert types == {"VARCHAR"}
    expected = pd.read_sas(PILOT / "dm.xpt", format="xport", encoding="utf-8").head(20)
    assert ages == expected.sort_values("USUBJID")["AGE"].tolist()

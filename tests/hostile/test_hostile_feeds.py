"""Hostile feeds through the real command line, each in a temporary workspace whose warehouse already
holds the pilot: nothing a feed holds reaches SQL as text, a bad file fails only its own study with a
message naming the file and the rule (never a traceback, never a quoted line of the file), a reload
replaces exactly its study's rows, and a domain that disappears blocks the run until it is retired."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from workspace import PILOT, STUDY, Workspace, output

PILOT_ROWS = {"lb": 59580, "vs": 29643, "dm": 306, "ds": 596, "ex": 591}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Workspace:
    ws = Workspace.create(tmp_path_factory.mktemp("hostile") / "base")
    result = ws.load()
    assert result.returncode == 0, output(result)
    return ws


@pytest.fixture()
def ws(loaded, tmp_path) -> Workspace:
    copy = Workspace(base=tmp_path / "ws")
    shutil.copytree(loaded.base, copy.base, symlinks=True)
    return copy


def _refused(ws: Workspace, rule: str, file: str, domain: str | None = None, *studies: str) -> str:
    """Load; the run fails naming the file and the rule, without a traceback; the rows stay."""
    before = ws.count(f"raw.{domain}") if domain else None
    result = ws.load(*studies)
    text = output(result)
    assert result.returncode == 1, text
    assert rule in text and file in text, text
    assert "Traceback" not in text, text
    if domain:
        assert ws.count(f"raw.{domain}") == before
    return text


def _pilot(domain: str) -> pd.DataFrame:
    path = next(PILOT.glob(f"{domain}.*"))
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pandas()
    return pd.read_sas(path, format="xport", encoding="utf-8")


def _replace_with_csv(ws: Workspace, domain: str, df: pd.DataFrame, header: list[str] | None = None) -> None:
    for old in ws.study_dir.glob(f"{domain}.*"):
        old.unlink()
    df.to_csv(ws.study_dir / f"{domain}.csv", index=False, header=header if header is not None else True)


# ------------------------------------------------------------------ the findings

def test_column_name_cannot_inject_sql(ws):
    df = _pilot("lb").head(50)
    evil = 'x" varchar; create table raw.injected as select 42 as pwned; commit; --'
    _replace_with_csv(ws, "lb", df.assign(**{evil: "1"}))
    text = _refused(ws, "FEED-VARIABLE-NAME", "cdiscpilot01/lb.csv", "lb")
    assert "injected" not in ws.tables("raw")
    assert ws.count("raw.lb") == PILOT_ROWS["lb"]
    assert "Parser Error" not in text
    columns = {r[0] for r in ws.query("select column_name from information_schema.columns "
                                       "where table_schema = 'raw' and table_name = 'lb'")}
    assert not any('"' in c or ";" in c for c in columns)


def test_trailing_blank_studyid_does_not_pile_up(ws):
    table = pq.read_table(PILOT / "vs.parquet")
    padded = table.set_column(table.column_names.index("STUDYID"), "STUDYID",
                              pa.array(["CDISCPILOT01 "] * table.num_rows))
    for step in range(3):  # three different deliveries of the same records
        pq.write_table(padded.slice(step) if step else padded, ws.study_dir / "vs.parquet")
        result = ws.load()
        assert result.returncode == 0, output(result)
        assert ws.count("raw.vs") == table.num_rows - step
    assert ws.query("select distinct STUDYID from raw.vs") == [("CDISCPILOT01",)]


def test_removed_feed_blocks_the_run_until_retired(ws):
    (ws.study_dir / "ds.xpt").unlink()
    text = _refused(ws, "FEED-DOMAIN-REMOVED", "cdiscpilot01/ds.xpt", "ds")
    assert "last loaded" in text and "safety-warehouse retire cdiscpilot01 ds" in text
    assert ws.count("raw.ds") == PILOT_ROWS["ds"]

    retired = ws.cli("retire", STUDY, "ds")
    assert retired.returncode == 0, output(retired)
    assert ws.count("raw.ds") == 0
    last = ws.query("select action, source_file from raw.load_log where domain = 'ds' order by loaded_at desc limit 1")
    assert last == [("retired", "cdiscpilot01/ds.xpt")]
    result = ws.load()
    assert result.returncode == 0, output(result)


def test_retire_refuses_a_domain_still_delivered(ws):
    result = ws.cli("retire", STUDY, "ae")
    assert result.returncode == 2 and "still in the landing folder" in output(result)
    assert ws.count("raw.ae") > 0


def test_readers_of_the_warehouse_do_not_break_a_refresh(ws):
    import duckdb

    readers = [duckdb.connect(str(ws.state), read_only=True) for _ in range(2)]
    try:
        pq.write_table(pq.read_table(PILOT / "vs.parquet").slice(5), ws.study_dir / "vs.parquet")
        result = ws.load()
        assert result.returncode == 0, output(result)
        # a reader keeps the state it opened; a new one sees the refresh
        assert readers[0].execute("select count(*) from raw.vs").fetchone()[0] == PILOT_ROWS["vs"]
    finally:
        for r in readers:
            r.close()
    assert ws.count("raw.vs") == PILOT_ROWS["vs"] - 5


def _other_study(ws: Workspace, name: str = "otherstudy") -> None:
    folder = ws.raw / name
    folder.mkdir()
    dm = _pilot("dm").head(5).assign(STUDYID="OTHER01")
    dm.to_csv(folder / "dm.csv", index=False)
    (ws.base / "studies" / name).mkdir()
    (ws.base / "studies" / name / "study.yml").write_text(f"study: {name}\nstudyid: OTHER01\n")


@pytest.mark.parametrize("stray", ["ae (1).xpt", "ae.csv"])
def test_a_stray_file_fails_only_its_own_study(ws, stray):
    _other_study(ws)
    shutil.copy(PILOT / "ae.xpt", ws.study_dir / stray)
    rule = "FEED-FILE-NAME" if "(" in stray else "FEED-ONE-FILE-PER-DOMAIN"
    text = _refused(ws, rule, stray, "ae")
    assert re.search(r"study otherstudy: run \S+ succeeded", text), text
    assert ws.query("select count(*) from raw.dm where STUDYID = 'OTHER01'") == [(5,)]


def test_symlink_out_of_the_data_folder_is_refused_unread(ws):
    (ws.study_dir / "lb.parquet").unlink()
    os.symlink("/etc/passwd", ws.study_dir / "lb.csv")
    text = _refused(ws, "FEED-SYMLINK", "cdiscpilot01/lb.csv", "lb")
    assert "root:" not in text and "/bin/" not in text


def test_symlink_to_a_copy_outside_is_refused_inside_is_loaded(ws, tmp_path):
    outside = tmp_path / "elsewhere" / "vs.parquet"
    outside.parent.mkdir()
    pq.write_table(pq.read_table(PILOT / "vs.parquet").slice(0, 100), outside)
    (ws.study_dir / "vs.parquet").unlink()
    os.symlink(outside, ws.study_dir / "vs.parquet")
    _refused(ws, "FEED-SYMLINK", "cdiscpilot01/vs.parquet", "vs")

    shared = ws.raw / "_shared"  # not a study folder, but inside the data folder
    shared.mkdir()
    shutil.move(outside, shared / "vs.parquet")
    (ws.study_dir / "vs.parquet").unlink()
    os.symlink(shared / "vs.parquet", ws.study_dir / "vs.parquet")
    result = ws.load()
    assert result.returncode == 0, output(result)
    assert ws.count("raw.vs") == 100
    assert ws.query("select count(*) from raw.load_log where source_file like '/%'") == [(0,)]


def test_duplicate_column_is_named(ws):
    df = _pilot("dm")
    header = list(df.columns)
    header[5] = "USUBJID"
    _replace_with_csv(ws, "dm", df, header=header)
    text = _refused(ws, "FEED-VARIABLE-UNIQUE", "cdiscpilot01/dm.csv", "dm")
    assert "USUBJID appears twice" in text and "KeyError" not in text


def test_nested_parquet_column_is_a_type_error(ws):
    table = pq.read_table(PILOT / "vs.parquet").slice(0, 20)
    nested = table.append_column("VSNEST", pa.array([{"a": i} for i in range(20)]))
    pq.write_table(nested, ws.study_dir / "vs.parquet")
    text = _refused(ws, "FEED-VARIABLE-TYPE", "cdiscpilot01/vs.parquet", "vs")
    assert "FEED-ENCODING" not in text


def test_seq_one_and_one_point_zero_collide(ws):
    df = _pilot("ex").astype({"EXSEQ": "object"})
    df.loc[1, ["USUBJID", "EXSEQ"]] = [df.loc[0, "USUBJID"], f"{float(df.loc[0, 'EXSEQ']):.1f}"]
    df.loc[0, "EXSEQ"] = str(int(df.loc[0, "EXSEQ"]))
    _replace_with_csv(ws, "ex", df)
    _refused(ws, "FEED-KEY-UNIQUE", "cdiscpilot01/ex.csv", "ex")


def test_published_snapshot_is_read_only(pipeline):
    import stat

    published = pipeline.warehouse.parent / "published" / "safety.duckdb"
    assert stat.S_IMODE(published.stat().st_mode) == 0o444
    assert stat.S_IMODE(pipeline.warehouse.stat().st_mode) == 0o444   # the working state, too
    ws = Workspace(base=pipeline.warehouse.parent.parent)
    env = dict(ws.env, SAFETY_WAREHOUSE_DIR=str(pipeline.warehouse.parent), DAGSTER_HOME=str(pipeline.dagster_home))
    from workspace import CLI

    write = subprocess.run([CLI, "sql", "create table raw.x as select 1"], env=env, capture_output=True, text=True)
    assert write.returncode == 2 and "read-only" in write.stderr
    read = subprocess.run([CLI, "sql", "select count(*) from marts.dim_subject"], env=env, capture_output=True,
                          text=True)
    assert read.returncode == 0 and "306" in read.stdout
    if os.geteuid() == 0:  # mode bits do not bind root; show they bind everyone else
        probe = subprocess.run(
            ["python3", "-c", f"import os; os.setuid(65534); open({str(published)!r}, 'r+b')"],
            capture_output=True, text=True)
        assert probe.returncode != 0 and "Permission denied" in probe.stderr


# ------------------------------------------------------------------ more hostile cases

def test_fifo_named_like_a_feed_is_refused_without_hanging(ws):
    (ws.study_dir / "lb.parquet").unlink()
    os.mkfifo(ws.study_dir / "lb.csv")
    _refused(ws, "FEED-FILE-TYPE", "cdiscpilot01/lb.csv", "lb")


def test_directory_named_like_a_feed_is_refused(ws):
    (ws.study_dir / "ae.xpt").unlink()
    (ws.study_dir / "ae.xpt").mkdir()
    _refused(ws, "FEED-FILE-TYPE", "cdiscpilot01/ae.xpt", "ae")


def test_file_name_with_sql_characters_is_refused(ws):
    shutil.copy(PILOT / "dm.xpt", ws.study_dir / "dm;drop table raw.dm.xpt")
    _refused(ws, "FEED-FILE-NAME", "dm;drop table raw.dm.xpt", "dm")
    assert ws.count("raw.dm") == PILOT_ROWS["dm"]


def test_seq_that_is_not_a_number_is_refused(ws):
    df = _pilot("ex").astype({"EXSEQ": "object"})
    df.loc[3, "EXSEQ"] = "A1"
    _replace_with_csv(ws, "ex", df)
    text = _refused(ws, "FEED-SEQ-NUMERIC", "cdiscpilot01/ex.csv", "ex")
    assert "records 4" in text


def test_column_named_like_the_load_id_is_refused(ws):
    _replace_with_csv(ws, "ex", _pilot("ex").assign(_LOAD_ID="x"))
    _refused(ws, "FEED-VARIABLE-NAME", "cdiscpilot01/ex.csv", "ex")


def test_very_long_column_name_is_refused_and_not_echoed_in_full(ws):
    long = "A" * 5000
    _replace_with_csv(ws, "ex", _pilot("ex").assign(**{long: "1"}))
    text = _refused(ws, "FEED-VARIABLE-NAME", "cdiscpilot01/ex.csv", "ex")
    assert long[:100] not in text


def test_sql_in_values_is_data(ws):
    df = _pilot("dm")
    evil = "'; drop table raw.lb; --"
    df.loc[0, "ARM"] = evil
    _replace_with_csv(ws, "dm", df)
    result = ws.load()
    assert result.returncode == 0, output(result)
    assert ws.count("raw.lb") == PILOT_ROWS["lb"]
    assert ws.query("select count(*) from raw.dm where ARM = ?", [evil]) == [(1,)]


def test_padded_usubjid_collides_with_its_trimmed_self(ws):
    df = _pilot("ex")
    dup = df.iloc[[0]].assign(USUBJID=" " + df.loc[0, "USUBJID"] + " ")
    _replace_with_csv(ws, "ex", pd.concat([df, dup], ignore_index=True))
    _refused(ws, "FEED-KEY-UNIQUE", "cdiscpilot01/ex.csv", "ex")


def test_study_folder_that_cannot_be_a_partition_is_ignored(ws):
    shutil.copytree(ws.study_dir, ws.raw / "my study")
    result = ws.load("my study")
    assert result.returncode == 1 and "no study folder for my study" in output(result)
    assert "Traceback" not in output(result)
    result = ws.load()
    assert result.returncode == 0, output(result)


def test_study_folder_linked_from_outside_is_refused(ws, tmp_path):
    outside = tmp_path / "outside_study"
    outside.mkdir()
    _pilot("dm").head(5).assign(STUDYID="OTHER01").to_csv(outside / "dm.csv", index=False)
    os.symlink(outside, ws.raw / "otherstudy", target_is_directory=True)
    (ws.base / "studies" / "otherstudy").mkdir()
    (ws.base / "studies" / "otherstudy" / "study.yml").write_text("study: otherstudy\nstudyid: OTHER01\n")
    result = ws.load("otherstudy")
    assert result.returncode == 1 and "FEED-SYMLINK" in output(result)
    assert ws.query("select count(*) from raw.dm where STUDYID = 'OTHER01'") == [(0,)]


def test_binary_garbage_is_refused_without_quoting_it(ws):
    (ws.study_dir / "ex.xpt").unlink()
    garbage = b"STUDYID,DOMAIN\n" + bytes(range(256)) * 8 + b"SECRETSECRET\x00\n"
    (ws.study_dir / "ex.csv").write_bytes(garbage)
    result = ws.load()
    text = output(result)
    assert result.returncode == 1 and ("FEED-ENCODING" in text or "FEED-READABLE" in text), text
    assert "SECRETSECRET" not in text and "Traceback" not in text


def test_lower_case_domain_values_are_normalised(ws):
    _replace_with_csv(ws, "ex", _pilot("ex").assign(DOMAIN="ex"))
    result = ws.load()
    assert result.returncode == 0, output(result)
    assert ws.query("select distinct DOMAIN from raw.ex") == [("EX",)]


def test_studyid_of_another_study_is_refused(ws):
    df = _pilot("ex")
    df.loc[10, "STUDYID"] = "SOMEONEELSE"
    _replace_with_csv(ws, "ex", df)
    _refused(ws, "FEED-STUDYID-MATCHES-STUDY", "cdiscpilot01/ex.csv", "ex")


def test_implausible_ages_are_findings(ws):
    df = _pilot("dm").astype({"AGE": "int64"})
    df.loc[0, "AGE"], df.loc[1, "AGE"] = -5, 250
    _replace_with_csv(ws, "dm", df)
    result = ws.cli("run", "--select", "raw")  # with the raw quality checks
    text = output(result)
    assert "Traceback" not in text
    rows = ws.query("select usubjid, value from quality.dq_findings where rule_id = 'DM-AGE-PLAUSIBLE' "
                    "and status = 'open' order by value")
    assert rows == [(df.loc[0, "USUBJID"], "-5 YEARS"), (df.loc[1, "USUBJID"], "250 YEARS")], text

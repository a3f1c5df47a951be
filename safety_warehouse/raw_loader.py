"""Loading one study's feed for one domain into `raw.<domain>`, atomically, with provenance.

Every study's rows share one table per domain and are told apart by STUDYID. A load replaces
that study's rows in a single transaction: the previous rows stay until the new ones are
committed, and a feed that fails a structural rule never reaches the transaction at all.
Loading the same bytes again changes nothing (the load log records it as `unchanged`).

No value from a feed reaches SQL as text: variable names are checked against the SDTM naming rule
when the feed is read and quoted as identifiers here; values travel as Arrow data or parameters.
A reload deletes exactly the rows earlier loads of that study and domain inserted (by their load
id) and any row carrying the study's (normalised) STUDYID.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

import duckdb

from safety_warehouse.feeds import FeedFile, check_structure, file_digest, read_feed
from safety_warehouse.paths import relative_to_raw
from safety_warehouse.warehouse import qualified, quote_ident, table_exists

LOAD_LOG_DDL = """
create table if not exists raw.load_log (
    load_id      varchar primary key,
    study        varchar not null,
    studyid      varchar,
    domain       varchar not null,
    source_file  varchar not null,
    file_format  varchar not null,
    sha256       varchar not null,
    bytes        bigint not null,
    rows         bigint not null,
    columns      varchar[] ,
    action       varchar not null,   -- loaded | unchanged | retired
    loaded_at    timestamptz not null,
    run_id       varchar
)
"""


@dataclass
class LoadResult:
    load_id: str
    study: str
    studyid: str
    domain: str
    source_file: str
    sha256: str
    bytes: int
    rows: int
    action: str
    columns: list[str]


def _ensure_table(con: duckdb.DuckDBPyConnection, domain: str, columns: list[str]) -> None:
    """Create raw.<domain> or add the columns this feed brings that the table lacks (all text)."""
    existing = [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema='raw' and table_name=?",
        [domain]).fetchall()]
    table = qualified("raw", domain)
    if not existing:
        cols = ", ".join(f"{quote_ident(c)} varchar" for c in columns)
        con.execute(f"create table {table} ({cols}, _load_id varchar)")
        return
    have = {c.upper() for c in existing}
    for c in columns:
        if c.upper() not in have:
            con.execute(f"alter table {table} add column {quote_ident(c)} varchar")


def _previous_load(con: duckdb.DuckDBPyConnection, feed: FeedFile, sha256: str) -> tuple | None:
    """The last load of this study's domain if it had these exact bytes and its rows are all still there."""
    last = con.execute(
        """select sha256, studyid, rows, columns from raw.load_log
           where study = ? and domain = ? order by loaded_at desc limit 1""",
        [feed.study, feed.domain]).fetchone()
    if last is None or last[0] != sha256 or not table_exists(con, "raw", feed.domain):
        return None
    in_table = con.execute(f"select count(*) from {qualified('raw', feed.domain)} where STUDYID = ?",
                           [last[1]]).fetchone()[0]
    return last if in_table == last[2] else None


def _delete_study_rows(con: duckdb.DuckDBPyConnection, study: str, domain: str, studyid: str | None) -> int:
    """Remove the rows earlier loads of this study inserted, and any row with its STUDYID."""
    if not table_exists(con, "raw", domain):
        return 0
    return con.execute(
        f"""delete from {qualified('raw', domain)}
            where _load_id in (select load_id from raw.load_log where study = ? and domain = ?)
               or trim(STUDYID) = ?""", [study, domain, studyid or ""]).fetchone()[0]


def load_feed(con: duckdb.DuckDBPyConnection, feed: FeedFile, studyid: str | None,
              run_id: str | None = None) -> LoadResult:
    con.execute(LOAD_LOG_DDL)
    sha, size = file_digest(feed.path) if feed.path.exists() else (None, 0)
    previous = _previous_load(con, feed, sha) if sha else None
    load_id = uuid.uuid4().hex
    if previous is not None:
        # same bytes as the rows already in place: nothing to read, validate or write
        _, sid, rows, columns = previous
        result = LoadResult(load_id=load_id, study=feed.study, studyid=sid, domain=feed.domain,
                            source_file=relative_to_raw(feed.path), sha256=sha, bytes=size, rows=rows,
                            action="unchanged", columns=list(columns or []))
        _log(con, result, feed, run_id)
        return result

    read = read_feed(feed)
    check_structure(read, studyid)
    sid = read.table.column("STUDYID")[0].as_py()
    result = LoadResult(load_id=load_id, study=feed.study, studyid=sid, domain=feed.domain,
                        source_file=relative_to_raw(feed.path), sha256=read.sha256, bytes=read.bytes,
                        rows=read.table.num_rows, action="loaded", columns=read.columns)
    con.execute("begin transaction")
    try:
        _ensure_table(con, feed.domain, read.columns)
        con.register("incoming_feed", read.table)
        _delete_study_rows(con, feed.study, feed.domain, sid)
        con.execute(f"insert into {qualified('raw', feed.domain)} by name "
                    "select *, ? as _load_id from incoming_feed", [load_id])
        con.unregister("incoming_feed")
        _log(con, result, feed, run_id)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return result


def _log(con: duckdb.DuckDBPyConnection, result: LoadResult, feed: FeedFile | None, run_id: str | None,
         file_format: str | None = None) -> None:
    con.execute(
        "insert into raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [result.load_id, result.study, result.studyid, result.domain, result.source_file,
         feed.format if feed else file_format, result.sha256, result.bytes, result.rows, result.columns,
         result.action, datetime.now(timezone.utc), run_id])


@dataclass
class LastLoad:
    domain: str
    source_file: str
    action: str
    loaded_at: datetime
    run_id: str | None
    studyid: str | None
    sha256: str
    file_format: str


def last_loads(con: duckdb.DuckDBPyConnection, study: str) -> dict[str, LastLoad]:
    """The latest load-log entry of each domain of a study (what the warehouse holds for it now)."""
    if not table_exists(con, "raw", "load_log"):
        return {}
    rows = con.execute(
        """select domain, source_file, action, loaded_at, run_id, studyid, sha256, file_format from (
               select *, row_number() over (partition by domain order by loaded_at desc) rn
               from raw.load_log where study = ?) where rn = 1 order by domain""", [study]).fetchall()
    return {r[0]: LastLoad(*r) for r in rows}


def retire_domain(con: duckdb.DuckDBPyConnection, study: str, domain: str, run_id: str | None = None) -> LoadResult:
    """Remove a study's rows of a domain it no longer delivers, and record the retirement."""
    last = last_loads(con, study).get(domain)
    if last is None or last.action == "retired":
        raise ValueError(f"study {study} has no loaded {domain.upper()} to retire")
    result = LoadResult(load_id=uuid.uuid4().hex, study=study, studyid=last.studyid, domain=domain,
                        source_file=last.source_file, sha256=last.sha256, bytes=0, rows=0,
                        action="retired", columns=[])
    con.execute("begin transaction")
    try:
        removed = _delete_study_rows(con, study, domain, last.studyid)
        _log(con, result, None, run_id, file_format=last.file_format)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    result.rows = removed
    return result


def snapshot_digest(feeds: Iterable[tuple[str, str]], config_sha256: str | None) -> str:
    """The data snapshot of a study from its feeds' (domain, sha256) and its configuration's hash."""
    import hashlib

    h = hashlib.sha256()
    for domain, sha in sorted(feeds):
        h.update(f"{domain}:{sha}\n".encode())
    h.update(f"config:{config_sha256}\n".encode())
    return h.hexdigest()


def current_data_snapshot(con: duckdb.DuckDBPyConnection, study: str) -> str | None:
    """The data snapshot of a study: one hash over the sha256 of every feed currently loaded for it and
    the hash of its configuration as last published (raw.cfg_study.config_sha256), so a changed
    study.yml or quality.yml changes the snapshot stamped on every output as a changed feed does."""
    rows = con.execute(
        """select domain, sha256 from (
               select domain, sha256, action, row_number() over (partition by domain order by loaded_at desc) rn
               from raw.load_log where study = ?) where rn = 1 and action <> 'retired'
           order by domain""", [study]).fetchall()
    config = published_config_sha256(con, study)
    if not rows and config is None:
        return None
    return snapshot_digest(rows, config)


def published_config_sha256(con: duckdb.DuckDBPyConnection, study: str) -> str | None:
    """The canonical hash of the study's configuration as published into raw.cfg_study."""

    if not table_exists(con, "raw", "cfg_study"):
        return None
    cols = {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'raw' and table_name = 'cfg_study'"
    ).fetchall()}
    if "config_sha256" not in cols:  # published before the hash was recorded
        return None
    row = con.execute("select config_sha256 from raw.cfg_study where study = ?", [study]).fetchone()
    return row[0] if row else None

"""Loading one study's feed for one domain into `raw.<domain>`, atomically, with provenance.

Every study's rows share one table per domain and are told apart by STUDYID. A load replaces
that study's rows in a single transaction: the previous rows stay until the new ones are
committed, and a feed that fails a structural rule never reaches the transaction at all.
Loading the same bytes again changes nothing (the load log records it as `unchanged`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb

from orchestration.lib.feeds import FeedFile, check_structure, file_digest, read_feed
from orchestration.lib.warehouse import table_exists

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
    action       varchar not null,   -- loaded | unchanged
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
    if not existing:
        cols = ", ".join(f'"{c}" varchar' for c in columns)
        con.execute(f'create table raw."{domain}" ({cols}, _load_id varchar)')
        return
    have = {c.upper() for c in existing}
    for c in columns:
        if c.upper() not in have:
            con.execute(f'alter table raw."{domain}" add column "{c}" varchar')


def _previous_load(con: duckdb.DuckDBPyConnection, feed: FeedFile, sha256: str) -> tuple | None:
    """The last load of this study's domain if it had these exact bytes and its rows are all still there."""
    last = con.execute(
        """select sha256, studyid, rows, columns from raw.load_log
           where study = ? and domain = ? order by loaded_at desc limit 1""",
        [feed.study, feed.domain]).fetchone()
    if last is None or last[0] != sha256 or not table_exists(con, "raw", feed.domain):
        return None
    in_table = con.execute(f'select count(*) from raw."{feed.domain}" where STUDYID = ?', [last[1]]).fetchone()[0]
    return last if in_table == last[2] else None


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
                            source_file=str(feed.path), sha256=sha, bytes=size, rows=rows,
                            action="unchanged", columns=list(columns or []))
        _log(con, result, feed, run_id)
        return result

    read = read_feed(feed)
    check_structure(read, studyid)
    sid = read.table.column("STUDYID")[0].as_py().strip()
    result = LoadResult(load_id=load_id, study=feed.study, studyid=sid, domain=feed.domain,
                        source_file=str(feed.path), sha256=read.sha256, bytes=read.bytes,
                        rows=read.table.num_rows, action="loaded", columns=read.columns)
    con.execute("begin transaction")
    try:
        _ensure_table(con, feed.domain, read.columns)
        con.register("incoming_feed", read.table)
        con.execute(f'delete from raw."{feed.domain}" where STUDYID = ?', [sid])
        con.execute(f'insert into raw."{feed.domain}" by name select *, ? as _load_id from incoming_feed',
                    [load_id])
        con.unregister("incoming_feed")
        _log(con, result, feed, run_id)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return result


def _log(con: duckdb.DuckDBPyConnection, result: LoadResult, feed: FeedFile, run_id: str | None) -> None:
    con.execute(
        "insert into raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [result.load_id, result.study, result.studyid, result.domain, result.source_file, feed.format,
         result.sha256, result.bytes, result.rows, result.columns, result.action,
         datetime.now(timezone.utc), run_id])


def current_feed_snapshot(con: duckdb.DuckDBPyConnection, study: str) -> str | None:
    """One hash over the sha256 of every feed currently loaded for a study (the data snapshot)."""
    import hashlib

    rows = con.execute(
        """select domain, sha256 from (
               select domain, sha256, row_number() over (partition by domain order by loaded_at desc) rn
               from raw.load_log where study = ?) where rn = 1 order by domain""", [study]).fetchall()
    if not rows:
        return None
    h = hashlib.sha256()
    for domain, sha in rows:
        h.update(f"{domain}:{sha}\n".encode())
    return h.hexdigest()

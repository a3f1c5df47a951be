"""DuckDB connections to the warehouse, and the files a run writes.

Three kinds of file live under the warehouse folder (`paths.warehouse_dir()`):

- `published/safety.duckdb`: what analysts read; a read-only snapshot that only a complete,
  successful run replaces (safety_warehouse.publish);
- `.work/safety.duckdb`: the working state, what the last finished run left (raw loads, load log,
  findings); private, read-only on disk, and never written in place;
- `.runs/<run id>.duckdb`: the private file of one run. A run starts from a copy of the working
  state, writes only its own file, and at its end (success or an orderly failure) renames it over
  the working state. A killed run leaves the working state and the published snapshot as they were.

Runs take the writer lock (`.runs/writer.lock`) for their whole length, so two runs, a `retire`
and a `rollback` never interleave, whatever started them (command line, schedule, sensor, UI).
A reader may open any published file at any time: nothing a run does waits for it, and nothing a
reader sees is half-written.

DuckDB admits one writing process per file. Dagster runs its steps in one process (the in-process
executor), and dbt is a subprocess that only runs while no Dagster step holds a connection, so every
helper here opens a connection for the duration of one unit of work and closes it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import stat
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from safety_warehouse import paths

SCHEMAS = ("raw", "staging", "marts", "results", "quality", "reports")
READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH  # 0444
KEEP_FAILED_RUN_FILES = 3


def quote_ident(name: str) -> str:
    """A SQL identifier, double-quoted with embedded quotes doubled: never pasted as text."""
    return '"' + str(name).replace('"', '""') + '"'


def qualified(schema: str, table: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(table)}"


MEMORY_LIMIT_VAR = "SAFETY_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "2GB"


def duckdb_config() -> dict[str, str]:
    """Settings of every warehouse connection, the same as dbt's (profiles.yml): a memory limit
    (SAFETY_DUCKDB_MEMORY_LIMIT, default 2GB per process; beyond it DuckDB spills to a temporary
    folder beside the database file), so the pipeline's footprint does not grow with the study."""
    return {"memory_limit": os.environ.get(MEMORY_LIMIT_VAR) or DEFAULT_MEMORY_LIMIT}


@contextmanager
def connect(read_only: bool = False, path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    db = Path(path) if path else paths.warehouse_path()
    if read_only and not db.exists():
        raise FileNotFoundError(f"warehouse {db} does not exist yet: run the pipeline first")
    db.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db), read_only=read_only, config=duckdb_config())
    try:
        if not read_only:
            for schema in SCHEMAS:
                con.execute(f"create schema if not exists {quote_ident(schema)}")
        yield con
    finally:
        con.close()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


# --------------------------------------------------------------------------- the writer lock

class WriterBusy(RuntimeError):
    pass


@contextmanager
def writer_lock(wait_seconds: float | None = None, on_wait: Callable[[str], None] | None = None):
    """Hold the warehouse writer lock; wait for the run holding it (a queue of one writer)."""
    folder = paths.runs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    limit = float(os.environ.get("SAFETY_WRITER_WAIT_SECONDS", 6 * 3600)) if wait_seconds is None else wait_seconds
    fh = open(folder / "writer.lock", "a+")
    started = time.monotonic()
    told = False
    try:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                if time.monotonic() - started >= limit:
                    raise WriterBusy(f"the warehouse writer lock is held by {holder}; gave up after {limit:.0f}s")
                if not told and on_wait:
                    on_wait(f"waiting for the warehouse writer lock held by {holder}")
                    told = True
                time.sleep(0.5)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} on {socket.gethostname()}")
        fh.flush()
        yield
    finally:
        try:
            fh.seek(0)
            fh.truncate()
        except OSError:
            pass
        fh.close()  # closing the descriptor releases the lock (also when the process dies)


# --------------------------------------------------------------------------- run files

def run_file(run_id: str) -> Path:
    return paths.runs_dir() / f"{run_id}.duckdb"


def _remove_db(path: Path) -> None:
    for p in (path, Path(f"{path}.wal")):
        p.unlink(missing_ok=True)


def _prune_run_files(keep: str) -> None:
    """Files of runs that died (killed) are kept for inspection, the newest few only."""
    left = sorted((p for p in paths.runs_dir().glob("*.duckdb") if p.stem != keep),
                  key=lambda p: p.stat().st_mtime, reverse=True)
    for old in left[KEEP_FAILED_RUN_FILES:]:
        _remove_db(old)


def checkpoint(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("checkpoint")
    finally:
        con.close()


def begin_run_file(run_id: str) -> Path:
    """The run's private file: a copy of the working state (or a new file for the first run)."""
    target = run_file(run_id)
    if target.exists():  # the same run resumed in this process
        return target
    _prune_run_files(keep=run_id)
    state = paths.state_path()
    if state.exists():
        tmp = target.with_suffix(".copy")
        shutil.copyfile(state, tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    return target


def commit_run_file(run_id: str) -> bool:
    """Make the run's file the working state (atomic rename). False when the run wrote nothing."""
    source = run_file(run_id)
    if not source.exists():
        return False
    if source.stat().st_mode & stat.S_IWUSR:  # a published file was checkpointed and sealed already
        checkpoint(source)
    Path(f"{source}.wal").unlink(missing_ok=True)
    os.chmod(source, READ_ONLY)
    state = paths.state_path()
    state.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(state.parent, 0o700)
    os.replace(source, state)
    Path(f"{state}.wal").unlink(missing_ok=True)
    return True


@contextmanager
def state_transaction(on_wait: Callable[[str], None] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Change the working state outside a pipeline run (retire): copy, change, rename, under the lock."""
    stamp = f"cli-{os.getpid()}-{int(time.time() * 1000)}"
    with writer_lock(on_wait=on_wait):
        path = begin_run_file(stamp)
        ok = False
        try:
            with connect(path=path) as con:
                yield con
            ok = True
        finally:
            if ok:
                commit_run_file(stamp)
            else:
                _remove_db(path)

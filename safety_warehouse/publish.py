"""Publishing the warehouse: analysts read a read-only snapshot that only a complete run replaces.

When every asset of a run has succeeded and no blocking check has failed, the run's private file
is checkpointed, made read-only on disk, recorded in `raw.published_snapshots` and linked as
`published/snapshots/<time>_<run id>.duckdb`; then `published/safety.duckdb` is pointed at it with
an atomic rename. A reader never sees a half-written database, a reader holding the previous
snapshot keeps reading it, and a failed or killed run leaves the last good snapshot in place.

The newest `SAFETY_KEEP_SNAPSHOTS` snapshots (default 5) are kept; `rollback` points the published
file at an earlier one, again atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from safety_warehouse import paths
from safety_warehouse.raw_loader import current_data_snapshot
from safety_warehouse.warehouse import READ_ONLY, checkpoint, table_exists, writer_lock

SNAPSHOTS_DDL = """
create table if not exists raw.published_snapshots (
    run_id         varchar not null,
    study          varchar,
    published_at   timestamptz not null,
    snapshot_file  varchar not null,   -- relative to the published folder
    data_snapshot  varchar,            -- hash of every loaded feed's sha256 and every study configuration
    code_version   varchar
);
-- the published study's own data snapshot (its feeds and configuration), added after the first release
alter table raw.published_snapshots add column if not exists study_snapshot varchar;
"""


def published_path() -> Path:
    return paths.published_dir() / "safety.duckdb"


def snapshots_dir() -> Path:
    return paths.published_dir() / "snapshots"


def keep_snapshots() -> int:
    return max(1, int(os.environ.get("SAFETY_KEEP_SNAPSHOTS", "5")))


def warehouse_snapshot(con: duckdb.DuckDBPyConnection) -> str | None:
    """One hash over the latest load of every study's domains (their sha256) and the hash of every
    study's configuration as published (raw.cfg_study.config_sha256)."""
    if not table_exists(con, "raw", "load_log"):
        return None
    rows = con.execute(
        """select study, domain, sha256 from (
               select study, domain, sha256, action,
                      row_number() over (partition by study, domain order by loaded_at desc) rn
               from raw.load_log) where rn = 1 and action <> 'retired' order by study, domain""").fetchall()
    configs: list[tuple[str, str | None]] = []
    if table_exists(con, "raw", "cfg_study"):
        has_hash = con.execute(
            "select count(*) from information_schema.columns where table_schema = 'raw' "
            "and table_name = 'cfg_study' and column_name = 'config_sha256'").fetchone()[0]
        if has_hash:
            configs = con.execute("select study, config_sha256 from raw.cfg_study order by study").fetchall()
    h = hashlib.sha256()
    for study, domain, sha in rows:
        h.update(f"{study}/{domain}:{sha}\n".encode())
    for study, sha in configs:
        h.update(f"{study}/config:{sha}\n".encode())
    return h.hexdigest()


@dataclass
class Snapshot:
    path: Path
    run_id: str
    current: bool

    @property
    def name(self) -> str:
        return self.path.name


def list_snapshots() -> list[Snapshot]:
    """Snapshots on disk, newest first; `current` is the one the published file points at."""
    folder = snapshots_dir()
    if not folder.is_dir():
        return []
    current = published_path().stat().st_ino if published_path().exists() else None
    found = []
    for p in sorted(folder.glob("*.duckdb"), reverse=True):
        run_id = p.stem.split("_", 1)[1] if "_" in p.stem else p.stem
        found.append(Snapshot(path=p, run_id=run_id, current=p.stat().st_ino == current))
    return found


def _point_published_at(snapshot: Path) -> None:
    target = published_path()
    for stale in target.parent.glob(f".{target.name}.*.link"):  # left by a process killed right here
        stale.unlink(missing_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.link")
    os.link(snapshot, tmp)
    os.replace(tmp, target)


def _history(event: dict) -> None:
    with open(paths.published_dir() / "history.jsonl", "a") as fh:
        fh.write(json.dumps(event, sort_keys=True) + "\n")


def _prune() -> None:
    snaps = list_snapshots()
    for s in snaps[keep_snapshots():]:
        if not s.current:
            s.path.unlink(missing_ok=True)


def publish_warehouse(run_id: str, study: str | None = None) -> tuple[Path, int]:
    """Publish the active run's file as the newest snapshot (the caller holds the writer lock)."""
    from safety_warehouse.version import code_version

    working = paths.warehouse_path()
    stamp = datetime.now(timezone.utc)
    name = f"{stamp.strftime('%Y%m%dT%H%M%S%fZ')}_{run_id}.duckdb"
    con = duckdb.connect(str(working))
    try:
        con.execute("create schema if not exists raw")
        con.execute(SNAPSHOTS_DDL)
        data = warehouse_snapshot(con)
        study_data = current_data_snapshot(con, study) if study and table_exists(con, "raw", "load_log") else None
        con.execute("insert into raw.published_snapshots (run_id, study, published_at, snapshot_file, data_snapshot, "
                    "code_version, study_snapshot) values (?, ?, ?, ?, ?, ?, ?)",
                    [run_id, study, stamp, f"snapshots/{name}", data, code_version(), study_data])
        con.execute("checkpoint")
    finally:
        con.close()
    Path(f"{working}.wal").unlink(missing_ok=True)
    os.chmod(working, READ_ONLY)
    folder = snapshots_dir()
    folder.mkdir(parents=True, exist_ok=True)
    snapshot = folder / name
    os.link(working, snapshot)
    _point_published_at(snapshot)
    _history({"event": "published", "run_id": run_id, "study": study, "snapshot": name,
              "at": stamp.isoformat(), "data_snapshot": data})
    _prune()
    return published_path(), snapshot.stat().st_size


class RollbackError(RuntimeError):
    pass


def rollback(to_run: str | None = None) -> Snapshot:
    """Point the published file at an earlier snapshot (the one before the current, or a run's)."""
    with writer_lock(wait_seconds=60):
        snaps = list_snapshots()
        if not snaps:
            raise RollbackError(f"no published snapshots in {snapshots_dir()}")
        if to_run:
            chosen = [s for s in snaps if s.run_id == to_run or s.run_id.startswith(to_run)]
            if not chosen:
                raise RollbackError(f"no snapshot of run {to_run}; kept: {', '.join(s.run_id for s in snaps)}")
            if len(chosen) > 1:
                raise RollbackError(f"{to_run} matches several snapshots: {', '.join(s.run_id for s in chosen)}")
            target = chosen[0]
        else:
            idx = next((i for i, s in enumerate(snaps) if s.current), None)
            if idx is None or idx + 1 >= len(snaps):
                raise RollbackError("no snapshot older than the current one is kept")
            target = snaps[idx + 1]
        _point_published_at(target.path)
        _history({"event": "rollback", "run_id": target.run_id, "snapshot": target.name,
                  "at": datetime.now(timezone.utc).isoformat()})
        return Snapshot(path=target.path, run_id=target.run_id, current=True)


@dataclass(frozen=True)
class UpToDate:
    """The published snapshot already holds a study's current inputs."""

    run_id: str
    published_at: datetime
    study_snapshot: str


@dataclass
class RefreshPlan:
    """What a refresh of one study has to redo. `changed` holds the domains whose feed differs from
    the published load; None means everything (no published run to build on, a failed or partial run
    since, or a changed configuration, code version or set of domains). Empty: nothing to do."""
    study: str
    changed: frozenset[str] | None
    reason: str

    @property
    def full(self) -> bool:
        return self.changed is None


def refresh_plan(study: str) -> RefreshPlan:
    """Compare the study's landing folder and configuration with what the published warehouse holds.

    A run may rebuild only what depends on the changed feeds when the working state is the published
    snapshot itself (same file: nothing since has replaced it), published with this code version and
    this configuration, and the delivery has the same domains; otherwise the run redoes everything."""
    from safety_warehouse.feeds import file_digest, scan_delivery
    from safety_warehouse.raw_loader import last_loads, published_config_sha256
    from safety_warehouse.study_model import StudyConfigError, load_study
    from safety_warehouse.version import code_version

    def full(reason: str) -> RefreshPlan:
        return RefreshPlan(study, None, reason)

    state, published = paths.state_path(), published_path()
    try:
        if os.stat(state).st_ino != os.stat(published).st_ino:
            return full("the working state is not the published snapshot (a run since did not publish)")
    except FileNotFoundError:
        return full("nothing published yet")
    delivery = scan_delivery(paths.raw_dir() / study)
    if delivery.problems or not delivery.feeds:
        return full("the landing folder has problems for the run to report")
    try:
        config = load_study(study).config_sha256
    except StudyConfigError:
        return full("the study configuration does not validate (the run reports it)")
    con = duckdb.connect(str(published), read_only=True)
    try:
        if not table_exists(con, "raw", "published_snapshots"):
            return full("no published run recorded")
        rows = con.execute("select code_version from raw.published_snapshots where study = ? "
                           "order by published_at desc limit 1", [study]).fetchall()
        loads = {d: last for d, last in last_loads(con, study).items() if last.action != "retired"}
        published_config = published_config_sha256(con, study)
    finally:
        con.close()
    if not rows:
        return full(f"study {study} has never been published")
    if rows[0][0] != code_version():
        return full("the code version changed")
    if published_config != config:
        return full("the study configuration changed")
    if set(loads) != set(delivery.feeds):
        return full("the delivery's domains changed")
    changed = frozenset(d for d, feed in delivery.feeds.items() if file_digest(feed.path)[0] != loads[d].sha256)
    if not changed:
        return RefreshPlan(study, changed, "feeds, configuration and code unchanged")
    return RefreshPlan(study, changed, f"changed feed{'s' if len(changed) > 1 else ''}: {', '.join(sorted(changed))}")


def up_to_date(study: str) -> UpToDate | None:
    """The published run that already reflects the study's current delivery, configuration and code
    (its refresh plan has nothing to redo), or None when a run has work to do."""
    plan = refresh_plan(study)
    if plan.changed is None or plan.changed:
        return None
    con = duckdb.connect(str(published_path()), read_only=True)
    try:
        row = con.execute("select run_id, published_at, study_snapshot from raw.published_snapshots "
                          "where study = ? order by published_at desc limit 1", [study]).fetchall()
    finally:
        con.close()
    return UpToDate(*row[0]) if row else None

"""Command line of the safety warehouse.

  run [STUDY ...]        the whole pipeline for every study (or those named), one run per study, in this
                         process, recorded in the Dagster instance; prints each stage's time
  run --select raw       only some asset groups (e.g. check a delivery): never published
  sql "select ..."       a query on the published snapshot, opened read-only
  shell                  an interactive SQL prompt on the published snapshot, read-only
  snapshots              the kept published snapshots (run, data snapshot, code version)
  rollback [--to RUN]    point the published warehouse at an earlier snapshot, atomically
  retire STUDY DOMAIN    remove a domain a study no longer delivers (recorded in raw.load_log)
  ui                     the Dagster UI on 127.0.0.1
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from safety_warehouse import paths
from orchestration.lib.progress import Progress, RunLog, stage_of
from orchestration.lib.runtime import import_in_background, prepare_environment

# the summary's stage lines, in pipeline order
STAGE_LABELS = {"ingest": "1 ingest raw feeds", "dbt": "2 dbt build (staging, marts, dbt tests)",
                "checks": "3 quality checks", "tables": "4 safety tables and figures", "publish": "5 publish"}


def _stage(step_key: str) -> str:
    return STAGE_LABELS[stage_of(step_key)]


def _step_durations(instance, run_id: str) -> dict[str, float]:
    import dagster as dg

    starts: dict[str, float] = {}
    durations: dict[str, float] = {}
    for record in instance.get_records_for_run(run_id).records:
        entry = record.event_log_entry
        ev = entry.dagster_event
        if ev is None or not entry.step_key:
            continue
        if ev.event_type == dg.DagsterEventType.STEP_START:
            starts[entry.step_key] = entry.timestamp
        elif ev.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            if entry.step_key in starts:
                durations[entry.step_key] = entry.timestamp - starts[entry.step_key]
    return durations


def _by_stage_key(durations: dict[str, float]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for step, secs in durations.items():
        out[stage_of(step)] += secs
    return dict(out)


@contextlib.contextmanager
def _redirect(stream):
    with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream):
        yield


def _close_run_loggers() -> None:
    import logging

    for name in [n for n in logging.root.manager.loggerDict if n.startswith("safety_warehouse.run_log.")]:
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            handler.close()
        logger.handlers = []
        del logging.root.manager.loggerDict[name]


@dataclass
class PipelineSummary:
    ok: bool
    run_ids: dict[str, str] = field(default_factory=dict)  # study -> Dagster run id
    failures: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # study -> published run it is still up to date with
    # seconds: start-up (imports, definitions) and, per study, the run and each stage and step
    timings: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.ok


def _known_studies() -> list[str]:
    from safety_warehouse.studies import study_names

    return study_names()


def _report_up_to_date(studies: list[str] | None, summary: PipelineSummary) -> bool:
    """Note in the summary each study whose published snapshot already holds its current feeds,
    configuration and code (a run would redo the same work); True when there is any."""
    from safety_warehouse.publish import up_to_date

    known = _known_studies()
    for study in studies or known:
        if study not in known:
            continue
        started = time.perf_counter()
        current = up_to_date(study)
        if current is None:
            continue
        print(f"study {study}: nothing changed since run {current.run_id} was published "
              f"({current.published_at:%Y-%m-%d %H:%M:%S %Z}): same feeds, configuration and code, so nothing "
              f"to do (use --force to run anyway)")
        summary.skipped[study] = current.run_id
        summary.timings["studies"][study] = {"seconds": time.perf_counter() - started, "success": True,
                                             "skipped": True, "stages": {}, "steps": {}}
    return bool(summary.skipped)


def run_pipeline(studies: list[str] | None = None, verbose: bool = False,
                 select: list[str] | None = None, checks: bool = True, force: bool = False) -> PipelineSummary:
    t0 = time.perf_counter()
    prepare_environment()
    summary = PipelineSummary(ok=True, timings={"studies": {}})
    if not (force or select or not checks):
        if _report_up_to_date(studies, summary) and set(summary.skipped) >= set(studies or _known_studies()):
            print(f"\neverything is up to date: nothing to do (total {time.perf_counter() - t0:.1f}s)")
            summary.timings["total"] = time.perf_counter() - t0
            return summary
    import dagster as dg

    from orchestration.defs.pipeline import PIPELINE_JOB
    from orchestration.lib.run_monitor import mark_dead_runs_failed, process_tags
    from safety_warehouse.studies import study_names

    t_import = time.perf_counter()
    from orchestration.definitions import defs

    job = defs.resolve_job_def(PIPELINE_JOB)
    t_defs = time.perf_counter()
    print(f"start-up: imports {t_import - t0:.1f}s, definitions (dbt manifest) {t_defs - t_import:.1f}s")
    instance = dg.DagsterInstance.get()
    for dead in mark_dead_runs_failed(instance):
        print(f"run {dead} had stopped without finishing (its process ended); marked failed")
    summary.timings.update(imports=t_import - t0, definitions=t_defs - t_import)
    known = study_names()
    unknown = [s for s in studies or [] if s not in known]
    if unknown:
        print(f"no study folder for {', '.join(unknown)} under {paths.raw_dir()} (studies: {', '.join(known) or 'none'})")
        summary.ok = False
        summary.failures.append(f"unknown study: {', '.join(unknown)}")
        return summary
    selection = None
    if select:
        graph = job.asset_layer.asset_graph
        groups = sorted({graph.get(k).group_name for k in graph.get_all_asset_keys()} - {None})
        selection = sorted(dg.AssetSelection.groups(*select).resolve(graph), key=str)
        if not selection:
            print(f"--select {','.join(select)} names no asset group (groups: {', '.join(groups)})")
            summary.ok = False
            summary.failures.append("empty selection")
            return summary
        print(f"selected {len(selection)} assets of group(s) {', '.join(select)}: this run is not published")
    if selection is not None or not checks:
        from orchestration.defs.publish import PUBLISHED_KEY

        chosen = selection if selection is not None else sorted(job.asset_layer.asset_graph.get_all_asset_keys(), key=str)
        if not checks:
            chosen = [k for k in chosen if k != PUBLISHED_KEY]
        job = job.get_subset(asset_selection=set(chosen), asset_check_selection=None if checks else set())
        selection = None
        if not checks:
            print("quality checks skipped: this run is not published")
    log_dir = Path(os.environ["DAGSTER_HOME"]) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    if checks:
        import_in_background("great_expectations")
    # a plain refresh rebuilds only what depends on the feeds that changed since the published run
    planned = not (force or select or not checks)
    for study in [s for s in studies or known if s not in summary.skipped]:
        started = time.perf_counter()
        log_path = log_dir / f"{study}-{time.strftime('%Y%m%dT%H%M%S')}.log"
        run_id = str(uuid.uuid4())
        terminal = sys.stdout
        study_job, study_selection, refresh = job, selection, {}
        if planned:
            from orchestration.lib.refresh import refresh_selection, refresh_tags
            from safety_warehouse.publish import refresh_plan

            plan = refresh_plan(study)
            keys = refresh_selection(plan, job.asset_layer.asset_graph)
            refresh = refresh_tags(plan)
            if keys is not None:
                total = len(job.asset_layer.asset_graph.get_all_asset_keys())
                study_job = job.get_subset(asset_selection=keys)
                print(f"\nstudy {study}: {plan.reason}; rebuilding the {len(keys)} of {total} assets that depend on them")
            else:
                print(f"\nstudy {study}: full run ({plan.reason})")
            summary.timings["studies"].setdefault(study, {})["plan"] = plan.reason
        print(f"\nstudy {study}: run {run_id} (log: {log_path})")
        # the full event log is in the instance (Dagster UI); the log file keeps all tool output (dbt, GX,
        # Dagster) without colour codes, the terminal a line per finished step (and, with -v, everything)
        with open(log_path, "a") as log_file:  # shared with the run_log logger, which appends too
            log = RunLog(log_file, echo=terminal if verbose else None)
            progress = Progress(instance, run_id, out=terminal, log=log_file)
            progress.start()
            try:
                with _redirect(log):
                    result = study_job.execute_in_process(
                        partition_key=study, instance=instance, raise_on_error=False, asset_selection=study_selection,
                        run_id=run_id, tags={"trigger": "cli", **refresh, **process_tags()},
                        run_config={"loggers": {
                            "console": {"config": {"log_level": "DEBUG" if verbose else "WARNING"}},
                            "run_log": {"config": {"path": str(log_path), "log_level": "DEBUG"}}}},
                    )
            finally:
                progress.stop()
                _close_run_loggers()

            def say(text: str = "") -> None:
                print(text, file=terminal)
                log_file.write(text + "\n")

            elapsed = time.perf_counter() - started
            summary.run_ids[study] = result.run_id
            durations = _step_durations(instance, result.run_id)
            by_stage: dict[str, float] = defaultdict(float)
            for step, secs in durations.items():
                by_stage[_stage(step)] += secs
            status = "succeeded" if result.success else "FAILED"
            say(f"study {study}: run {result.run_id} {status} in {elapsed:.1f}s (log: {log_path})")
            for stage in sorted(by_stage):
                say(f"  {stage[2:]:<42} {by_stage[stage]:7.1f}s")
            summary.timings["studies"][study] = {
                **summary.timings["studies"].get(study, {}),
                "seconds": elapsed, "success": bool(result.success), "run_id": result.run_id,
                "stages": _by_stage_key(durations), "steps": durations}
            for step, secs in sorted(durations.items(), key=lambda kv: -kv[1]):
                line = f"    {step:<60} {secs:6.2f}s"
                if verbose:
                    say(line)
                else:
                    log_file.write(line + "\n")
            if not result.success:
                summary.ok = False
                for ev in result.all_events:
                    if ev.is_step_failure:
                        err = ev.step_failure_data.error
                        message = (err.message.strip() if err else "").removeprefix(
                            "dagster._core.definitions.events.Failure: ")
                        summary.failures.append(f"step {ev.step_key} failed: {message}")
                    elif ev.event_type_value == "ASSET_CHECK_EVALUATION":
                        data = ev.event_specific_data
                        if not data.passed and str(data.severity).endswith("ERROR"):
                            summary.failures.append(
                                f"blocking check failed: {data.asset_key.to_user_string()} {data.check_name}")
                for line in summary.failures:
                    say(f"  {line}")
    from safety_warehouse.publish import published_path

    print(f"\npublished: {published_path()} (for SQL readers; replaced only by a complete run)")
    print(f"outputs:   {paths.outputs_dir()}")
    print(f"total {time.perf_counter() - t0:.1f}s")
    summary.timings["total"] = time.perf_counter() - t0
    return summary


def _published_or_exit(run: str | None = None, working: bool = False) -> Path:
    from safety_warehouse.publish import published_path
    from safety_warehouse.warehouse import run_file

    if working:
        path = paths.state_path()
    elif run:
        path = run_file(run)
    else:
        path = published_path()
    if not path.exists():
        what = "working state" if working else f"file of run {run}" if run else "published warehouse"
        raise CommandError(f"no {what} at {path}: run the pipeline first")
    return path


class CommandError(Exception):
    """A command that cannot do what was asked; printed without a traceback."""


def sql(query: str, path: Path, out=None) -> int:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        rel = con.sql(query)
        if rel is not None:
            rel.show(max_rows=10_000, max_width=10_000)
    finally:
        con.close()
    return 0


def shell(path: Path) -> int:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    print(f"{path} (read-only). End statements with ';'. .tables lists tables, .quit leaves.")
    buffer: list[str] = []
    try:
        while True:
            try:
                line = input("sql> " if not buffer else " ..> ")
            except EOFError:
                break
            stripped = line.strip()
            if not buffer and stripped in (".quit", ".exit"):
                break
            if not buffer and stripped == ".tables":
                con.sql("select table_schema || '.' || table_name as name from information_schema.tables "
                        "order by 1").show(max_rows=10_000)
                continue
            buffer.append(line)
            if stripped.endswith(";"):
                statement = "\n".join(buffer)
                buffer = []
                try:
                    rel = con.sql(statement)
                    if rel is not None:
                        rel.show(max_rows=10_000, max_width=10_000)
                except duckdb.Error as exc:
                    print(f"error: {exc}")
    finally:
        con.close()
    return 0


def snapshots() -> int:
    import duckdb

    from safety_warehouse.publish import list_snapshots, published_path

    kept = list_snapshots()
    if not kept:
        print("no published snapshots yet")
        return 0
    info = {}
    con = duckdb.connect(str(published_path()), read_only=True)
    try:
        for run_id, study, at, data, code in con.execute(
                "select run_id, study, published_at, data_snapshot, code_version from raw.published_snapshots"
        ).fetchall():
            info[run_id] = (study, at, data, code)
    finally:
        con.close()
    for s in kept:
        study, at, data, code = info.get(s.run_id, ("?", None, "?", "?"))
        mark = "*" if s.current else " "
        print(f"{mark} {s.run_id}  {at:%Y-%m-%d %H:%M:%S} " if at else f"{mark} {s.run_id}  (after the current) ",
              end="")
        print(f"study {study}  data {str(data)[:12]}  code {code}")
    return 0


def retire(study: str, domain: str) -> int:
    from safety_warehouse.raw_loader import retire_domain
    from safety_warehouse.studies import get_study
    from safety_warehouse.warehouse import state_transaction

    domain = domain.lower()
    feed = get_study(study).feeds().get(domain)
    if feed is not None:
        raise CommandError(f"{paths.relative_to_raw(feed.path)} is still in the landing folder: remove it first")
    if not paths.state_path().exists():
        raise CommandError("the warehouse holds nothing yet")
    with state_transaction(on_wait=print) as con:
        try:
            result = retire_domain(con, study, domain)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
    print(f"retired {domain.upper()} of study {study}: {result.rows} rows removed from raw.{domain} "
          f"(load log {result.load_id}); the next run rebuilds and publishes without it")
    return 0


def _group_running(pgid: int) -> bool:
    """Whether any process of the group is still running (zombies waiting for a reaper do not count)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _stop_group(proc: subprocess.Popen, grace: float = 20.0) -> None:
    """End a process group: SIGTERM, then SIGKILL whatever still runs after `grace` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        proc.poll()
        if not _group_running(proc.pid):
            break
        time.sleep(0.2)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


class _Stopped(Exception):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _ui(port: str) -> int:
    """`dagster dev` (webserver, daemon, code server) in a process group of its own, ended as a whole
    on SIGINT, SIGTERM or SIGHUP, so no webserver or daemon outlives the command."""
    dagster = Path(sys.executable).parent / "dagster"
    proc = subprocess.Popen([str(dagster) if dagster.exists() else "dagster", "dev",
                             "-w", str(paths.PROJECT_ROOT / "workspace.yaml"), "-h", "127.0.0.1", "-p", port],
                            cwd=paths.PROJECT_ROOT, start_new_session=True)

    def _on_signal(signum, _frame):
        raise _Stopped(signum)  # leave proc.wait(); the group is ended below, outside the handler

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    try:
        return proc.wait()
    except _Stopped as stop:
        return 128 + stop.signum
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        _stop_group(proc)


def _generate(args: argparse.Namespace) -> int:
    import studygen

    try:
        target, rows = studygen.generate_study(args.study, seed=args.seed, scale=args.scale,
                                               out=args.out, fmt=args.fmt)
    except (studygen.DesignError, ValueError, OSError) as exc:
        print(f"safety-warehouse generate: {exc}", file=sys.stderr)
        return 2
    print(studygen.summary(args.study, target, rows, args.seed, args.scale, args.fmt))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="safety-warehouse", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the whole pipeline (all studies, or those named)")
    run.add_argument("studies", nargs="*")
    run.add_argument("-v", "--verbose", action="store_true", help="also print every step's time")
    run.add_argument("--select", help="comma-separated asset groups to run (e.g. raw); such a run is not published")
    run.add_argument("--skip-checks", action="store_true",
                     help="run no quality check (a quick structural load of a delivery); not published")
    run.add_argument("--force", action="store_true",
                     help="run even when the published snapshot already holds the current feeds, configuration "
                          "and code")
    run.add_argument("--timings", metavar="FILE", type=Path,
                     help="also write the start-up, run, stage and step times as JSON (benchmarks)")
    q = sub.add_parser("sql", help="run one query on the published snapshot (read-only)")
    q.add_argument("query")
    for p in (q, sub.add_parser("shell", help="interactive SQL on the published snapshot (read-only)")):
        where = p.add_mutually_exclusive_group()
        where.add_argument("--run", help="open the file a run left (a partial or killed run), read-only")
        where.add_argument("--working", action="store_true", help="open the working state, read-only")
    sub.add_parser("snapshots", help="list the kept published snapshots")
    rb = sub.add_parser("rollback", help="publish an earlier snapshot again")
    rb.add_argument("--to", metavar="RUN", help="run id (or its prefix) of the snapshot; default the previous one")
    rt = sub.add_parser("retire", help="remove a domain a study no longer delivers")
    rt.add_argument("study")
    rt.add_argument("domain")
    ui = sub.add_parser("ui", help="start the Dagster UI on 127.0.0.1")
    ui.add_argument("--port", default="3000")
    gen = sub.add_parser("generate", help="write a simulated study's SDTM feeds from studies/<study>/design.yml")
    gen.add_argument("study")
    gen.add_argument("--seed", type=int, default=0, help="random seed (the same seed gives identical files)")
    gen.add_argument("--scale", type=int, default=1, help="replicate the design's subjects this many times")
    gen.add_argument("--out", type=Path, help="output folder (default: data/raw/<study>)")
    gen.add_argument("--format", choices=("xpt", "parquet"), default="xpt", dest="fmt")
    args = parser.parse_args(argv)
    if args.command == "generate":
        return _generate(args)
    try:
        if args.command == "run":
            select = [g.strip() for g in args.select.split(",") if g.strip()] if args.select else None
            summary = run_pipeline(args.studies, verbose=args.verbose, select=select, checks=not args.skip_checks,
                                   force=args.force)
            if args.timings:
                args.timings.write_text(json.dumps({"ok": summary.ok, **summary.timings}, indent=1))
            return 0 if summary else 1
        prepare_environment()
        if args.command == "sql":
            return sql(args.query, _published_or_exit(args.run, args.working))
        if args.command == "shell":
            return shell(_published_or_exit(args.run, args.working))
        if args.command == "snapshots":
            return snapshots()
        if args.command == "rollback":
            from safety_warehouse.publish import rollback

            target = rollback(args.to)
            print(f"published warehouse now points at the snapshot of run {target.run_id} ({target.name})")
            return 0
        if args.command == "retire":
            return retire(args.study, args.domain)
        return _ui(args.port)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader of our output went away (`| head`)
        sys.stderr.close()
        return 0
    except Exception as exc:  # a clear message for everything a user can cause; no traceback
        from safety_warehouse.publish import RollbackError
        from safety_warehouse.studies import StudyConfigError
        from safety_warehouse.warehouse import WriterBusy

        known = (CommandError, RollbackError, StudyConfigError, WriterBusy, FileNotFoundError)
        try:
            import duckdb

            known = known + (duckdb.Error,)
        except ImportError:
            pass
        if isinstance(exc, known):
            print(f"safety-warehouse {args.command}: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())

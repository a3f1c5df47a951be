"""Command line: `safety-warehouse run` materialises the whole pipeline for every study (or the
ones named) in this process, against the persistent local Dagster instance, and prints how long
each stage took. `safety-warehouse ui` starts the Dagster UI on 127.0.0.1."""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.lib import paths
from orchestration.lib.runtime import prepare_environment


def _stage(step_key: str) -> str:
    if step_key.startswith("raw__"):
        return "1 ingest raw feeds"
    if "dbt" in step_key:
        return "2 dbt build (staging, marts, dbt tests)"
    if step_key.startswith("reports__"):
        return "4 safety tables and figures"
    return "3 quality checks"


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


@contextlib.contextmanager
def _maybe_redirect(stream, enabled: bool):
    if not enabled:
        yield
        return
    with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream):
        yield


@dataclass
class PipelineSummary:
    ok: bool
    run_ids: dict[str, str] = field(default_factory=dict)  # study -> Dagster run id
    failures: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok


def run_pipeline(studies: list[str] | None = None, verbose: bool = False) -> PipelineSummary:
    t0 = time.perf_counter()
    prepare_environment()
    import dagster as dg

    from orchestration.defs.pipeline import PIPELINE_JOB
    from orchestration.lib.studies import study_names

    t_import = time.perf_counter()
    from orchestration.definitions import defs

    job = defs.resolve_job_def(PIPELINE_JOB)
    t_defs = time.perf_counter()
    print(f"start-up: imports {t_import - t0:.1f}s, definitions (dbt manifest) {t_defs - t_import:.1f}s")
    instance = dg.DagsterInstance.get()
    summary = PipelineSummary(ok=True)
    log_dir = Path(os.environ["DAGSTER_HOME"]) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    for study in studies or study_names():
        started = time.perf_counter()
        log_path = log_dir / f"{study}-{time.strftime('%Y%m%dT%H%M%S')}.log"
        # the full event log is in the instance (Dagster UI); tool output (dbt, GX) goes to a log file
        # unless --verbose, and the terminal keeps warnings, errors and the stage summary
        with open(log_path, "w") as log, _maybe_redirect(log, not verbose):
            result = job.execute_in_process(
                partition_key=study, instance=instance, raise_on_error=False, tags={"trigger": "cli"},
                run_config={"loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "WARNING"}}}},
            )
        elapsed = time.perf_counter() - started
        summary.run_ids[study] = result.run_id
        durations = _step_durations(instance, result.run_id)
        by_stage: dict[str, float] = defaultdict(float)
        for step, secs in durations.items():
            by_stage[_stage(step)] += secs
        status = "succeeded" if result.success else "FAILED"
        print(f"\nstudy {study}: run {result.run_id} {status} in {elapsed:.1f}s (log: {log_path})")
        for stage in sorted(by_stage):
            print(f"  {stage[2:]:<42} {by_stage[stage]:7.1f}s")
        if verbose:
            for step, secs in sorted(durations.items(), key=lambda kv: -kv[1]):
                print(f"    {step:<60} {secs:6.2f}s")
        if not result.success:
            summary.ok = False
            for ev in result.all_events:
                if ev.is_step_failure:
                    err = ev.step_failure_data.error
                    summary.failures.append(f"step {ev.step_key} failed: {err.message.strip() if err else ''}")
                elif ev.event_type_value == "ASSET_CHECK_EVALUATION":
                    data = ev.event_specific_data
                    if not data.passed and str(data.severity).endswith("ERROR"):
                        summary.failures.append(
                            f"blocking check failed: {data.asset_key.to_user_string()} {data.check_name}")
            for line in summary.failures:
                print(f"  {line}")
    from orchestration.lib.publish import published_path

    print(f"\nwarehouse: {paths.warehouse_path()} (written by runs)")
    print(f"published: {published_path()} (for SQL readers; replaced only by a complete run)")
    print(f"outputs:   {paths.outputs_dir()}")
    print(f"total {time.perf_counter() - t0:.1f}s")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="safety-warehouse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the whole pipeline (all studies, or those named)")
    run.add_argument("studies", nargs="*")
    run.add_argument("-v", "--verbose", action="store_true", help="also print every step's time")
    ui = sub.add_parser("ui", help="start the Dagster UI on 127.0.0.1")
    ui.add_argument("--port", default="3000")
    args = parser.parse_args(argv)
    if args.command == "run":
        return 0 if run_pipeline(args.studies, verbose=args.verbose) else 1
    prepare_environment()
    dagster = Path(sys.executable).parent / "dagster"
    return subprocess.call([str(dagster) if dagster.exists() else "dagster", "dev",
                            "-w", str(paths.PROJECT_ROOT / "workspace.yaml"), "-h", "127.0.0.1", "-p", args.port],
                           cwd=paths.PROJECT_ROOT)


if __name__ == "__main__":
    sys.exit(main())

"""Runs whose process died are marked failed.

The daemon's run monitoring does this for runs it launched. A run started from the command line
executes in that process, so each run records its process (host, pid and the kernel's start time
of the pid, which tells a reused pid apart) in its tags, and every later command line run, and every
run as it starts, marks the runs of this host whose process is gone as failed.
"""

from __future__ import annotations

import os
import socket

import dagster as dg

PID_TAG = "safety/pid"
HOST_TAG = "safety/host"
START_TAG = "safety/pid_start"

_IN_PROGRESS = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


def _process_start(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return fields[19]  # field 22 of proc(5): start time in clock ticks after boot
    except (OSError, IndexError):
        return None


def process_tags() -> dict[str, str]:
    pid = os.getpid()
    return {PID_TAG: str(pid), HOST_TAG: socket.gethostname(), START_TAG: _process_start(pid) or ""}


def _alive(tags: dict[str, str]) -> bool:
    try:
        pid = int(tags[PID_TAG])
    except (KeyError, ValueError):
        return True  # not ours to judge
    started = _process_start(pid)
    return started is not None and started == tags.get(START_TAG, started)


def mark_dead_runs_failed(instance: dg.DagsterInstance, exclude: str | None = None) -> list[str]:
    """Report every in-progress run of this host whose process has ended as failed; their ids."""
    host = socket.gethostname()
    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=_IN_PROGRESS, tags={HOST_TAG: host})):
        if run.run_id == exclude or _alive(run.tags):
            continue
        instance.report_run_failed(
            run, message=f"the process that ran it (pid {run.tags.get(PID_TAG)} on {host}) ended before the run "
                         "finished; the published warehouse and the working state were left as they were")
        failed.append(run.run_id)
    return failed

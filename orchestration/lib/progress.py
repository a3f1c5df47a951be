"""What a command-line run shows while it works, and what its log file keeps.

`RunLog` is the run's log file: everything the tools write (Dagster, dbt, Great Expectations) with the
terminal colour codes removed, and, with --verbose, the same on the terminal. `Progress` follows the
run's event log in the Dagster instance and prints a line as each step ends, with running counts per
stage: domains loaded, models built and tests passed, checks passed/warned/failed, tables written.
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections import Counter
from typing import TextIO

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")

STAGES = ("ingest", "dbt", "checks", "tables", "publish")


def stage_of(step_key: str) -> str:
    if step_key.startswith("raw__"):
        return "ingest"
    if "dbt" in step_key:
        return "dbt"
    if step_key.startswith("reports__"):
        return "tables"
    if step_key.startswith("published__"):
        return "publish"
    return "checks"


class RunLog(io.TextIOBase):
    """A text stream to the log file without ANSI codes; optionally echoed to the terminal."""

    def __init__(self, log: TextIO, echo: TextIO | None = None):
        self._log = log
        self._echo = echo
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self._log.write(ANSI.sub("", text))
            if self._echo is not None:
                self._echo.write(text)
        return len(text)

    def flush(self) -> None:
        with self._lock:
            self._log.flush()
            if self._echo is not None:
                self._echo.flush()


class Progress(threading.Thread):
    """Prints each finished step of a run, with counts, to `out` (and the log)."""

    def __init__(self, instance, run_id: str, out: TextIO, log: TextIO | None = None, interval: float = 0.5):
        super().__init__(daemon=True, name=f"progress-{run_id[:8]}")
        self.instance = instance
        self.run_id = run_id
        self.out = out
        self.log = log
        self.interval = interval
        self._halt = threading.Event()
        self._cursor = None
        self._t0 = time.monotonic()
        self.counts: dict[str, Counter] = {s: Counter() for s in STAGES}

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)
        self._poll()  # whatever arrived last

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            try:
                self._poll()
            except Exception:  # the event store may be busy for a moment; try again
                continue

    def _say(self, text: str) -> None:
        line = f"  [{time.monotonic() - self._t0:6.1f}s] {text}\n"
        self.out.write(line)
        self.out.flush()
        if self.log is not None:
            self.log.write(line)
            self.log.flush()

    def _poll(self) -> None:
        import dagster as dg

        conn = self.instance.get_records_for_run(self.run_id, cursor=self._cursor, limit=5000)
        self._cursor = conn.cursor
        for record in conn.records:
            entry = record.event_log_entry
            event = entry.dagster_event
            if event is None:
                continue
            kind = event.event_type
            if kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
                stage = stage_of(entry.step_key or "")
                meta = event.event_specific_data.materialization.metadata
                action = meta.get("action")
                self.counts[stage]["assets"] += 1
                if stage == "ingest" and action is not None:
                    self.counts[stage][str(getattr(action, "value", action))] += 1
            elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
                data = event.event_specific_data
                stage = "dbt" if "dbt" in (entry.step_key or "") else "checks"
                if data.passed:
                    self.counts[stage]["passed"] += 1
                elif str(data.severity).endswith("WARN"):
                    self.counts[stage]["warned"] += 1
                else:
                    self.counts[stage]["failed"] += 1
            elif kind in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
                stage = stage_of(entry.step_key or "")
                ok = kind == dg.DagsterEventType.STEP_SUCCESS
                self._say(f"{stage:<8} {entry.step_key} {'done' if ok else 'FAILED'}  ({self._summary(stage)})")
            elif kind == dg.DagsterEventType.STEP_SKIPPED:
                self._say(f"{stage_of(entry.step_key or ''):<8} {entry.step_key} skipped (upstream failed)")

    def _summary(self, stage: str) -> str:
        c = self.counts[stage]
        if stage == "ingest":
            done = c["loaded"] + c["unchanged"] + c["not supplied"]
            return f"{done} domains: {c['loaded']} loaded, {c['unchanged']} unchanged, {c['not supplied']} not supplied"
        if stage == "dbt":
            return f"{c['assets']} models built; tests {c['passed']} passed, {c['warned']} warned, {c['failed']} failed"
        if stage == "checks":
            return f"checks {c['passed']} passed, {c['warned']} warned, {c['failed']} failed"
        if stage == "tables":
            return f"{c['assets']} tables and figures written"
        return f"{c['assets']} published"

"""Run a command and measure its wall time and the peak resident memory of its whole process tree
(the command and every descendant, summed), sampled from /proc."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Measured:
    seconds: float
    peak_rss_bytes: int
    returncode: int

    @property
    def peak_rss_gib(self) -> float:
        return self.peak_rss_bytes / 2**30


def _children(pid: int) -> list[int]:
    out: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    try:
        for task in task_dir.iterdir():
            text = (task / "children").read_text().split()
            out.extend(int(c) for c in text)
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return out


def _rss(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/statm").read_text().split()
        return int(fields[1]) * PAGE
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0


def tree_rss(root: int) -> int:
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss(pid)
        stack.extend(_children(pid))
    return total


def run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None, log: Path | None = None,
        interval: float = 0.05) -> Measured:
    """Run `cmd` to its end; its output goes to `log` (or is discarded)."""
    out = open(log, "w") if log else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss(proc.pid))
                done.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        seconds = time.perf_counter() - t0
        done.set()
        sampler.join()
        return Measured(seconds=seconds, peak_rss_bytes=peak, returncode=code)
    finally:
        if log:
            out.close()

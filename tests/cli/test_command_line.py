"""The command line as a person uses it: a run prints a line per finished step while it works and keeps
a log file with the tool output and the summary (no colour codes); `ui` ends its whole process tree
(dagster dev, webserver, daemon, code server) on SIGTERM and SIGINT."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from safety_warehouse import paths

CLI = str(Path(sys.executable).parent / "safety-warehouse")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFETY_")}
    env.update(SAFETY_WAREHOUSE_DIR=str(tmp_path / "warehouse"), SAFETY_OUTPUTS_DIR=str(tmp_path / "outputs"),
               DAGSTER_HOME=str(tmp_path / "dagster_home"))
    return env


@pytest.mark.parametrize("verbose", [False, True])
def test_run_prints_progress_and_keeps_a_clean_log(tmp_path, verbose):
    args = [CLI, "run", "--select", "raw", "--skip-checks", "cdiscpilot01"] + (["-v"] if verbose else [])
    proc = subprocess.Popen(args, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, stamps = [], []
    for line in proc.stdout:
        lines.append(line)
        stamps.append(time.monotonic())
    assert proc.wait(timeout=600) == 0, "".join(lines)
    text = "".join(lines)
    progress = [i for i, l in enumerate(lines) if re.match(r"\s+\[\s*[\d.]+s\] ingest\s+raw__\w+ done", l)]
    assert len(progress) >= 9, text  # a line per finished step, the delivery and every domain
    assert "9 domains: 9 loaded" in lines[progress[-1]]
    summary = next(i for i, l in enumerate(lines) if re.match(r"study cdiscpilot01: run \S+ succeeded", l))
    assert stamps[summary] - stamps[progress[0]] > 0.5  # the lines arrived while the run worked
    log = Path(re.search(r"\(log: (\S+)\)", lines[summary]).group(1))
    content = log.read_text()
    assert "\x1b[" not in content
    assert "STEP_SUCCESS" in content and "raw__lb" in content  # the tool output
    assert "succeeded in" in content and "ingest raw feeds" in content  # the summary
    assert ("STEP_SUCCESS" in text) == verbose


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_ui_stops_its_whole_process_tree(tmp_path, sig):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path / "ui.log", "w")
    proc = subprocess.Popen([CLI, "ui", "--port", str(port)], env=_env(tmp_path), cwd=paths.PROJECT_ROOT,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 240
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None and time.time() < deadline, (tmp_path / "ui.log").read_text()[-3000:]
            time.sleep(1)
        tree = _descendants(proc.pid)
        assert len(tree) >= 2  # dagster dev and at least the webserver
        proc.send_signal(sig)
        proc.wait(timeout=60)
        deadline = time.time() + 30
        while any(_alive(p) for p in tree) and time.time() < deadline:
            time.sleep(0.5)
        assert not [p for p in tree if _alive(p)], "processes left running after the ui command ended"
    finally:
        for p in _descendants(proc.pid) | {proc.pid}:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log.close()

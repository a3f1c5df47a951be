"""The pipeline's speed and memory against a plain-DuckDB floor, at several sizes of the pilot.

    .venv/bin/python -m benchmarks.bench                  # sizes 1, 10 and 100
    .venv/bin/python -m benchmarks.bench --sizes 1,10 --no-profile

For each size (the pilot's subjects replicated, `benchmarks/scale.py`), in a temporary workspace of
its own (raw folder, warehouse, outputs, Dagster instance):
  cold        `safety-warehouse run` in a fresh process on an empty warehouse: wall time, the
              time of each stage and peak resident memory of the whole process tree;
  unchanged   the same command again, nothing changed;
  lb_changed  again, after one LB result was corrected;
  queries     the analyst queries of dbt_project/README.md on the published warehouse, median
              latency of repeated runs on one read-only connection;
  floor       `benchmarks/floor.py` in a fresh process: the same raw -> tables work as plain SQL in
              one DuckDB process; its load and compute seconds and its whole process wall time.
At the largest size the slowest stage of a cold run is profiled (pyinstrument when installed,
else cProfile) and summarised.

Writes benchmarks/results/<date>.json and <date>.md and prints the summary. Never run by the tests."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import procmon
from benchmarks.scale import change_one_lb_value, write_scaled

ROOT = Path(__file__).resolve().parents[1]
STUDY = "cdiscpilot01"
CLI = str(Path(sys.executable).parent / "safety-warehouse")
QUERY_REPEATS = 15


def analyst_queries() -> list[tuple[str, str]]:
    """(title, sql) of each example query in dbt_project/README.md's analyst-query section."""
    text = (ROOT / "dbt_project" / "README.md").read_text()
    section = text.split("## Example analyst queries", 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"\n([^\n`]+?):\n\n```sql\n(.*?)```", section, flags=re.S)
    return [(title.strip(), sql.strip().rstrip(";")) for title, sql in found]


def workspace_env(ws: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFETY_")}
    env.update(SAFETY_RAW_DIR=str(ws / "raw"), SAFETY_STUDIES_DIR=str(ws / "studies"),
               SAFETY_WAREHOUSE_DIR=str(ws / "warehouse"), SAFETY_OUTPUTS_DIR=str(ws / "outputs"),
               DAGSTER_HOME=str(ws / "dagster_home"), PYTHONUNBUFFERED="1")
    return env


CODE_VERSION = ""  # set by main(): the version every run of the benchmark must have


def current_code_version() -> str:
    from safety_warehouse.version import code_version

    return code_version.__wrapped__()  # computed afresh: the cached value is the process's first


def pipeline_run(ws: Path, label: str) -> dict:
    if current_code_version() != CODE_VERSION:
        raise SystemExit(f"the code changed during the benchmark ({CODE_VERSION} -> {current_code_version()}): "
                         "its reruns would redo everything; run it on a tree nobody edits meanwhile")
    timings = ws / f"{label}.timings.json"
    measured = procmon.run([CLI, "run", STUDY, "--timings", str(timings)], env=workspace_env(ws), cwd=ROOT,
                           log=ws / f"{label}.log")
    out = {"seconds": measured.seconds, "peak_rss_gib": measured.peak_rss_gib, "returncode": measured.returncode}
    if timings.exists():
        t = json.loads(timings.read_text())
        study = t.get("studies", {}).get(STUDY, {})
        out.update(ok=t.get("ok"), imports=t.get("imports"), definitions=t.get("definitions"),
                   run_seconds=study.get("seconds"), stages=study.get("stages", {}), run_id=study.get("run_id"),
                   plan=study.get("plan"),
                   slowest_steps=sorted(study.get("steps", {}).items(), key=lambda kv: -kv[1])[:8])
    return out


def query_latencies(db: Path) -> list[dict]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    out = []
    try:
        for title, sql in analyst_queries():
            con.execute(sql).fetchall()  # warm
            times = []
            for _ in range(QUERY_REPEATS):
                t = time.perf_counter()
                rows = con.execute(sql).fetchall()
                times.append(time.perf_counter() - t)
            out.append({"query": title, "median_ms": statistics.median(times) * 1000, "rows": len(rows)})
    finally:
        con.close()
    return out


def floor_run(study_dir: Path, ws: Path) -> dict:
    result = ws / "floor.json"
    db = ws / "floor.duckdb"
    db.unlink(missing_ok=True)
    measured = procmon.run([sys.executable, "-m", "benchmarks.floor", str(study_dir), str(db), "--json", str(result)],
                           cwd=ROOT, log=ws / "floor.log")
    data = json.loads(result.read_text()) if result.exists() else {}
    return {"process_seconds": measured.seconds, "peak_rss_gib": measured.peak_rss_gib,
            "load_seconds": data.get("load_seconds"), "compute_seconds": data.get("compute_seconds"),
            "returncode": measured.returncode}


def dbt_profile(run_id: str | None, stage_steps: list[str]) -> dict:
    """Where the dbt build of a run spent its time: seconds by resource kind and the slowest nodes."""
    found = sorted((ROOT / "dbt_project" / "target").glob(f"*-{(run_id or '')[:7]}-*/run_results.json")) if run_id else []
    if not found:
        return {"tool": "dbt run_results", "top": ["no run_results.json found for the cold run"],
                "slowest_steps": stage_steps}
    results = json.loads(found[-1].read_text())
    by_kind: dict[str, list[float]] = {}
    for r in results["results"]:
        kind = r["unique_id"].split(".")[0]
        by_kind.setdefault(kind, []).append(r["execution_time"])
    lines = [f"dbt elapsed {results['elapsed_time']:.1f}s on {results['args'].get('threads', '?')} threads"]
    lines += [f"{kind:<10} {len(v):4d} nodes {sum(v):8.1f}s (sum of node times)" for kind, v in sorted(by_kind.items())]
    lines.append("slowest nodes:")
    for r in sorted(results["results"], key=lambda r: -r["execution_time"])[:20]:
        lines.append(f"  {r['execution_time']:7.2f}s  {r['unique_id']}")
    return {"tool": "dbt run_results", "top": lines, "slowest_steps": stage_steps}


def profile_cold_run(ws: Path, stage_steps: list[str]) -> dict:
    """Profile a cold run (new warehouse) and keep the functions most of the slowest stage's time went to."""
    shutil.rmtree(ws / "warehouse", ignore_errors=True)
    shutil.rmtree(ws / "dagster_home", ignore_errors=True)
    env = workspace_env(ws)
    try:
        import pyinstrument  # noqa: F401

        out = ws / "profile.txt"
        cmd = [sys.executable, "-m", "pyinstrument", "--show-all", "-o", str(out), "-m", "orchestration.cli", "run",
               STUDY]
        tool = "pyinstrument"
    except ImportError:
        out = ws / "profile.pstats"
        cmd = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "orchestration.cli", "run", STUDY]
        tool = "cProfile"
    procmon.run(cmd, env=env, cwd=ROOT, log=ws / "profile.log")
    if tool == "cProfile" and out.exists():
        import io
        import pstats

        buf = io.StringIO()
        pstats.Stats(str(out), stream=buf).sort_stats("cumulative").print_stats(25)
        lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
        return {"tool": tool, "top_cumulative": lines[-25:], "slowest_steps": stage_steps}
    text = out.read_text() if out.exists() else ""
    return {"tool": tool, "top": text.splitlines()[:60], "slowest_steps": stage_steps}


def bench_size(size: int, base: Path, profile: bool) -> dict:
    ws = base / f"x{size}"
    study_dir = ws / "raw" / STUDY
    t = time.perf_counter()
    rows = write_scaled(ROOT / "data" / "raw" / STUDY, study_dir, size)
    made = time.perf_counter() - t
    (ws / "studies").mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "studies" / STUDY, ws / "studies" / STUDY)
    print(f"size {size}x: {sum(rows.values()):,} raw rows ({rows.get('lb', 0):,} LB) written in {made:.1f}s", flush=True)
    result: dict = {"size": size, "raw_rows": rows}
    for label in ("cold", "unchanged"):
        result[label] = pipeline_run(ws, label)
        print(f"  {label:<11} {result[label]['seconds']:7.1f}s  peak {result[label]['peak_rss_gib']:.2f} GiB  "
              f"{_stages(result[label])}", flush=True)
    result["lb_change"] = change_one_lb_value(study_dir)
    result["lb_changed"] = pipeline_run(ws, "lb_changed")
    print(f"  {'lb_changed':<11} {result['lb_changed']['seconds']:7.1f}s  "
          f"peak {result['lb_changed']['peak_rss_gib']:.2f} GiB  {_stages(result['lb_changed'])}", flush=True)
    published = ws / "warehouse" / "published" / "safety.duckdb"
    result["queries"] = query_latencies(published) if published.exists() else []
    for q in result["queries"]:
        print(f"  query {q['median_ms']:8.1f} ms  {q['query']}", flush=True)
    result["floor"] = floor_run(study_dir, ws)
    f = result["floor"]
    print(f"  floor       {f['process_seconds']:7.1f}s  (load {f['load_seconds'] or 0:.2f}s, compute "
          f"{f['compute_seconds'] or 0:.2f}s)  peak {f['peak_rss_gib']:.2f} GiB", flush=True)
    cold = result["cold"]["seconds"]
    core = (f["load_seconds"] or 0) + (f["compute_seconds"] or 0)
    result["ratios"] = {
        "cold_over_floor_process": cold / f["process_seconds"] if f["process_seconds"] else None,
        "cold_over_floor_load_compute": cold / core if core else None,
        "unchanged_over_cold": result["unchanged"]["seconds"] / cold,
        "lb_changed_over_cold": result["lb_changed"]["seconds"] / cold,
    }
    if profile:
        stages = result["cold"].get("stages", {})
        slowest = max(stages, key=stages.get) if stages else None
        steps = [s for s, _ in result["cold"].get("slowest_steps", [])]
        if slowest == "dbt":
            # dbt runs in a process of its own: its per-node timings are that stage's profile
            result["profile"] = {"slowest_stage": slowest, **dbt_profile(result["cold"].get("run_id"), steps)}
        else:
            result["profile"] = {"slowest_stage": slowest, **profile_cold_run(ws, steps)}
    return result


def _stages(run: dict) -> str:
    return ", ".join(f"{k} {v:.1f}s" for k, v in (run.get("stages") or {}).items())


def markdown(report: dict) -> str:
    lines = [f"# Benchmark {report['date']}", "",
             f"Machine: {report['machine']['cpus']} CPUs, {report['machine']['python']}, code version "
             f"{report.get('code_version') or report['commit']}.", "",
             "| size | raw rows | cold s | peak GiB | unchanged s (% cold) | one LB change s (% cold) | floor process s "
             "| floor load+compute s | cold / floor process | cold / floor load+compute |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in report["sizes"]:
        ratios, f = r["ratios"], r["floor"]
        core = (f["load_seconds"] or 0) + (f["compute_seconds"] or 0)
        lines.append(
            f"| {r['size']}x | {sum(r['raw_rows'].values()):,} | {r['cold']['seconds']:.1f} | "
            f"{r['cold']['peak_rss_gib']:.2f} | {r['unchanged']['seconds']:.1f} ({100 * ratios['unchanged_over_cold']:.0f}%)"
            f" | {r['lb_changed']['seconds']:.1f} ({100 * ratios['lb_changed_over_cold']:.0f}%) | "
            f"{f['process_seconds']:.1f} | {core:.2f} | {ratios['cold_over_floor_process'] or 0:.1f}x | "
            f"{ratios['cold_over_floor_load_compute'] or 0:.1f}x |")
    sizes = report["sizes"]
    for a, b in zip(sizes, sizes[1:]):
        rows_a, rows_b = sum(a["raw_rows"].values()), sum(b["raw_rows"].values())
        lines.append("")
        lines.append(f"From {a['size']}x to {b['size']}x the raw rows grow {rows_b / rows_a:.1f}x; the cold run "
                     f"{b['cold']['seconds'] / a['cold']['seconds']:.1f}x, the floor process "
                     f"{b['floor']['process_seconds'] / a['floor']['process_seconds']:.1f}x.")
    lines += ["", "## Stages of the cold run (seconds)", "", "| size | imports | definitions | stages |", "|---|---|---|---|"]
    for r in report["sizes"]:
        c = r["cold"]
        lines.append(f"| {r['size']}x | {c.get('imports') or 0:.1f} | {c.get('definitions') or 0:.1f} | {_stages(c)} |")
    lines += ["", "## Rerun after one corrected LB result", "", "| size | change | plan | seconds | stages |",
              "|---|---|---|---|---|"]
    for r in report["sizes"]:
        c = r["lb_changed"]
        lines.append(f"| {r['size']}x | {r.get('lb_change', '')} | {c.get('plan') or ''} | {c['seconds']:.1f} | "
                     f"{_stages(c)} |")
    lines += ["", "## Analyst queries on the published warehouse (median ms)", ""]
    titles = [q["query"] for q in report["sizes"][0]["queries"]] if report["sizes"] else []
    lines.append("| query | " + " | ".join(f"{r['size']}x" for r in report["sizes"]) + " |")
    lines.append("|---|" + "---|" * len(report["sizes"]))
    for i, title in enumerate(titles):
        cells = [f"{r['queries'][i]['median_ms']:.1f}" if i < len(r["queries"]) else "" for r in report["sizes"]]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    for r in report["sizes"]:
        if "profile" in r:
            p = r["profile"]
            lines += ["", f"## Profile of a cold run at {r['size']}x ({p['tool']}); slowest stage: {p['slowest_stage']}",
                      "", "Slowest steps: " + ", ".join(p.get("slowest_steps", [])), "", "```"]
            lines += (p.get("top") or p.get("top_cumulative") or [])[:60]
            lines.append("```")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,10,100", help="comma-separated multiples of the pilot")
    parser.add_argument("--no-profile", action="store_true", help="skip profiling at the largest size")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspaces")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    global CODE_VERSION
    CODE_VERSION = current_code_version()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    report = {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ"), "commit": commit,
              "code_version": CODE_VERSION,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
              "sizes": []}
    base = Path(tempfile.mkdtemp(prefix="safety-bench-"))
    try:
        for size in sizes:
            report["sizes"].append(bench_size(size, base, profile=not args.no_profile and size == max(sizes)))
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"workspaces kept in {base}")
    args.out.mkdir(parents=True, exist_ok=True)
    stem = report["date"][:10]
    (args.out / f"{stem}.json").write_text(json.dumps(report, indent=1, default=str))
    (args.out / f"{stem}.md").write_text(markdown(report))
    print(f"\nwritten {args.out / (stem + '.json')} and {args.out / (stem + '.md')}")
    print(markdown(report))


if __name__ == "__main__":
    main()

"""Benchmark: the study generator at scale: seconds, records per second and peak memory.

    .venv/bin/python benchmarks/bench_generate.py --scale 750            # ~25,500 subjects, ~7 million LB records
    .venv/bin/python benchmarks/bench_generate.py --scale 30 --format xpt

Writes `studies/<study>/design.yml` (default hucmsc_t2dm) K times over into a temporary folder and
prints the rows per domain, the time, the records per second and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from studygen import generate_study


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--study", default="hucmsc_t2dm")
    parser.add_argument("--scale", type=int, default=750)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=("xpt", "parquet"), default="parquet")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        out, rows = generate_study(args.study, seed=args.seed, scale=args.scale, out=Path(tmp), fmt=args.format)
        seconds = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in out.iterdir())
    total = sum(rows.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.study} x{args.scale} ({args.format}): {rows['dm']:,} subjects, {rows.get('lb', 0):,} LB records, "
          f"{total:,} records in all, {size / 2**20:.0f} MiB")
    print(f"  {seconds:.1f}s, {total / seconds:,.0f} records/s, peak memory {peak:,.0f} MiB")


if __name__ == "__main__":
    main()

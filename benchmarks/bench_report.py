"""Benchmark: seconds of one report asset, e.g. the lab by-visit table (14-6.01) on the pilot.

    .venv/bin/python benchmarks/bench_report.py lab_by_visit --warehouse warehouse/published/safety.duckdb

Builds the asset `--repeat` times on a temporary copy of a warehouse that holds the marts and
results models (a published snapshot or a working state), writing its outputs to a temporary
folder, and prints the seconds of each build and the fastest.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("asset", help="report asset, e.g. lab_by_visit")
    parser.add_argument("--study", default="cdiscpilot01")
    parser.add_argument("--warehouse", type=Path, default=Path("warehouse/published/safety.duckdb"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "safety.duckdb"
        shutil.copyfile(args.warehouse, copy)
        copy.chmod(0o644)
        os.environ["SAFETY_WAREHOUSE_DB"] = str(copy)
        os.environ["SAFETY_OUTPUTS_DIR"] = str(Path(tmp) / "outputs")
        from safety_reports.build import build

        seconds = []
        for i in range(args.repeat):
            result = build(args.asset, args.study)
            seconds.append(result.seconds)
            print(f"{args.asset} {args.study} build {i + 1}: {result.seconds:.2f}s  rows {result.rows}")
        print(f"fastest: {min(seconds):.2f}s")


if __name__ == "__main__":
    main()

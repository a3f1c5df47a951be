"""Benchmark: raw ingestion throughput and peak memory on the pilot scaled up N times.

    .venv/bin/python benchmarks/bench_ingest.py --scale 10

Each copy of the pilot gets its own USUBJIDs; every domain is written as Parquet into a temporary
study folder and loaded into a temporary warehouse, first as a new load, then again (unchanged).
Prints seconds, rows per second and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from safety_warehouse.feeds import FeedFile, read_feed
from safety_warehouse.raw_loader import load_feed
from safety_warehouse.studies import get_study
from safety_warehouse.warehouse import connect


def _scaled(table: pa.Table, scale: int) -> pa.Table:
    parts = []
    for i in range(scale):
        usubjid = pc.binary_join_element_wise(table.column("USUBJID"), pa.scalar(f"-{i:03d}"), "")
        parts.append(table.set_column(table.column_names.index("USUBJID"), "USUBJID", usubjid))
    return pa.concat_tables(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--study", default="cdiscpilot01")
    args = parser.parse_args()
    study = get_study(args.study)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "raw" / study.name
        folder.mkdir(parents=True)
        for domain, feed in study.feeds().items():
            pq.write_table(_scaled(read_feed(feed).table, args.scale), folder / f"{domain}.parquet")
        os.environ["SAFETY_WAREHOUSE_DB"] = str(Path(tmp) / "bench.duckdb")
        print(f"{'domain':<8} {'rows':>10} {'first s':>8} {'rows/s':>10} {'again s':>8}")
        total_rows, total_s = 0, 0.0
        for path in sorted(folder.iterdir()):
            feed = FeedFile(study=study.name, domain=path.stem, path=path)
            with connect() as con:
                t = time.perf_counter()
                r = load_feed(con, feed, study.studyid)
                first = time.perf_counter() - t
                t = time.perf_counter()
                load_feed(con, feed, study.studyid)
                again = time.perf_counter() - t
            total_rows += r.rows
            total_s += first
            print(f"{path.stem:<8} {r.rows:>10,} {first:>8.2f} {r.rows / first:>10,.0f} {again:>8.2f}")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{'total':<8} {total_rows:>10,} {total_s:>8.2f} {total_rows / total_s:>10,.0f}")
        print(f"peak resident memory {peak_mb:,.0f} MiB (scale {args.scale})")


if __name__ == "__main__":
    main()

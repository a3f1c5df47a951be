"""A study's feeds scaled up K times: each copy of every subject gets its own USUBJID (and SUBJID),
so the scaled study is K times the subjects with the same visit, lab and event structure.

Copies are written one at a time with a Parquet writer, so memory holds one copy of a domain, not K.
Scale 1 copies the files as delivered (the pipeline then also reads the SAS XPORT files)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from safety_warehouse.feeds import FeedFile, read_feed, scan_delivery

KEYS = ("USUBJID", "SUBJID")


def _copy(table: pa.Table, i: int) -> pa.Table:
    suffix = pa.scalar(f"-X{i:04d}")
    for key in KEYS:
        if key in table.column_names:
            col = table.column(key)
            if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
                col = pc.cast(col, pa.string())
            table = table.set_column(table.column_names.index(key), key,
                                     pc.binary_join_element_wise(col, suffix, ""))
    return table


def write_scaled(source: Path, dest: Path, scale: int) -> dict[str, int]:
    """Write `source`'s feeds `scale` times over into `dest` (a study folder); rows per domain."""
    dest.mkdir(parents=True, exist_ok=True)
    delivery = scan_delivery(source, raw_root=source.parent)
    rows: dict[str, int] = {}
    for domain, feed in sorted(delivery.feeds.items()):
        if scale == 1:
            shutil.copy2(feed.path, dest / feed.path.name)
            rows[domain] = read_feed(feed).table.num_rows
            continue
        table = read_feed(feed).table
        first = _copy(table, 0)
        with pq.ParquetWriter(dest / f"{domain}.parquet", first.schema) as writer:
            writer.write_table(first)
            for i in range(1, scale):
                writer.write_table(_copy(table, i))
        rows[domain] = table.num_rows * scale
    return rows


def change_one_lb_value(study_dir: Path) -> str:
    """Rewrite the study's LB feed with one result corrected, as a new delivery would: the original
    and the standard results (LBORRES, LBSTRESC, LBSTRESN) of one record whose original and standard
    units agree, one unit higher, so that the tables reading that parameter change. Returns what
    changed."""
    path = next(p for p in study_dir.iterdir() if p.stem.lower() == "lb")
    feed = FeedFile(study=study_dir.name, domain="lb", path=path)
    table = read_feed(feed).table

    def number(v):
        try:
            return float(v)
        except (TypeError, ValueError):
            return None

    columns = {c: table.column(c).to_pylist() for c in ("LBORRES", "LBSTRESC", "LBSTRESN", "LBTESTCD")}
    index = next(i for i, (o, c, n) in enumerate(zip(columns["LBORRES"], columns["LBSTRESC"], columns["LBSTRESN"]))
                 if number(n) is not None and number(o) == number(c) == number(n))
    old = number(columns["LBSTRESN"][index])
    new = f"{old + 1:g}"
    changed = table
    for name in ("LBORRES", "LBSTRESC", "LBSTRESN"):
        values = columns[name]
        values[index] = new
        changed = changed.set_column(changed.column_names.index(name), name, pa.array(values, table.column(name).type))
    target = path.with_suffix(".parquet")
    pq.write_table(changed, target)
    if target != path:
        path.unlink()
    return f"{target.name}: {columns['LBTESTCD'][index]} result of row {index + 1} {old:g} -> {new}"

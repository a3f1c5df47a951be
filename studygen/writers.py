"""Deterministic writers: the same table gives the same bytes, whenever it is written.

Parquet: pyarrow writes no time stamp; the schema carries no pandas metadata (tables are built as
Arrow tables, not from data frames). SAS XPORT: pyreadstat stamps the creation and modification
time into the library and member headers; they are overwritten with a fixed stamp (the design's
study start), so the file depends on the data only.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

_STAMP = re.compile(rb"\d\d[A-Z]{3}\d\d:\d\d:\d\d:\d\d")
_HEADER_BYTES = 1 << 16  # the XPORT headers (library, member, variable descriptors) come first


def xpt_stamp(day: dt.date) -> bytes:
    return day.strftime("%d%b%y:00:00:00").upper().encode("ascii")


def write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd", write_statistics=True)


class ParquetChunks:
    """Parquet written chunk by chunk (one row group each), for domains too large to hold at once."""

    def __init__(self, path: Path):
        self.path, self._writer = path, None

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def write_xpt(table: pa.Table, path: Path, domain: str, stamp: bytes) -> None:
    import pyreadstat

    frame = table.to_pandas()
    for name, column in zip(table.column_names, table.columns):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            frame[name] = frame[name].astype(object).where(frame[name].notna(), "")
    pyreadstat.write_xport(frame, str(path), table_name=domain.upper(), file_format_version=5)
    with open(path, "r+b") as fh:
        head = fh.read(_HEADER_BYTES)
        end = head.find(b"HEADER RECORD*******OBS")
        end = end if end >= 0 else len(head)
        fixed = _STAMP.sub(stamp, head[:end])
        if fixed != head[:end]:
            fh.seek(0)
            fh.write(fixed)

"""Writing a result frame into `reports.<table>`: one study's rows are replaced in one transaction,
other studies' rows stay. A column the frame brings that the table lacks is added first."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from safety_warehouse.warehouse import table_exists


def _arrow(frame: pd.DataFrame) -> pa.Table:
    clean = frame.copy()
    for col in clean.columns:
        s = clean[col]
        if s.dtype == object:
            # mixed None / str / numbers: keep text as text, nothing else is stored in object columns
            values = [None if (v is None or (isinstance(v, float) and v != v) or v is pd.NA) else v for v in s]
            if all(isinstance(v, str) or v is None for v in values):
                clean[col] = pd.array(values, dtype="string")
            elif all(isinstance(v, (int, float, bool)) or v is None for v in values):
                clean[col] = pd.to_numeric(pd.Series(values, index=s.index, dtype=object), errors="coerce")
            else:
                clean[col] = pd.array([None if v is None else str(v) for v in values], dtype="string")
    return pa.Table.from_pandas(clean, preserve_index=False)


def replace_study_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, study: str) -> int:
    """Replace one study's rows of reports.<table> with the frame, in one transaction."""
    return replace_rows(con, table, frame, {"study": study})


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, key: dict[str, str]) -> int:
    """Replace the rows of reports.<table> matching `key` (column -> value) with the frame."""
    for col, value in key.items():
        if col not in frame.columns:
            raise ValueError(f"reports.{table}: result frame has no `{col}` column")
        if len(frame) and set(frame[col].dropna().unique()) - {value}:
            raise ValueError(f"reports.{table}: result frame holds rows with {col} other than {value!r}")
    con.execute("create schema if not exists reports")
    if len(frame.columns) == 0:  # nothing produced: only clear the old rows
        if table_exists(con, "reports", table):
            where = " and ".join(f'"{c}" = ?' for c in key)
            con.execute(f'delete from reports."{table}" where {where}', list(key.values()))
        return 0
    incoming = _arrow(frame)
    con.register("report_incoming", incoming)
    try:
        con.execute("begin transaction")
        try:
            if not table_exists(con, "reports", table):
                con.execute(f'create table reports."{table}" as select * from report_incoming limit 0')
            else:
                have = {r[0].lower() for r in con.execute(
                    "select column_name from information_schema.columns where table_schema='reports' and table_name=?",
                    [table]).fetchall()}
                types = dict(con.execute("select column_name, column_type from (describe report_incoming)").fetchall())
                for col in incoming.column_names:
                    if col.lower() not in have:
                        con.execute(f'alter table reports."{table}" add column "{col}" {types[col]}')
            where = " and ".join(f'"{c}" = ?' for c in key)
            con.execute(f'delete from reports."{table}" where {where}', list(key.values()))
            con.execute(f'insert into reports."{table}" by name select * from report_incoming')
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    finally:
        con.unregister("report_incoming")
    return len(frame)

"""Publishing a study's YAML configuration into the warehouse as `raw.cfg_<section>` tables.

The mapping is generic, so a new section in study.yml becomes a table without code:
- top-level scalars            -> raw.cfg_study     (one row: study, studyid, title, ...)
- a mapping of scalars          -> raw.cfg_<section> (one row, its keys as columns)
- a list of mappings            -> raw.cfg_<section> (one row per item)
- a list of scalars             -> raw.cfg_<section> (one row per item, column `value`)
Rows of other studies are kept; this study's rows are replaced in one transaction.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
import pyarrow as pa

from orchestration.lib.studies import StudyConfigError

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def config_tables(config: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    study = config["study"]
    tables: dict[str, list[dict[str, Any]]] = {}
    scalars = {k: v for k, v in config.items() if not isinstance(v, (dict, list))}
    tables["study"] = [scalars]
    for section, value in config.items():
        if not isinstance(value, (dict, list)):
            continue
        if not _NAME.match(section):
            raise StudyConfigError(f"study {study}: section name {section!r} must be lower_snake_case")
        if isinstance(value, dict):
            rows = [value]
        elif all(isinstance(v, dict) for v in value):
            rows = value
        elif all(not isinstance(v, (dict, list)) for v in value):
            rows = [{"value": v} for v in value]
        else:
            raise StudyConfigError(f"study {study}: section {section!r} mixes mappings and scalars")
        for row in rows:
            for k, v in row.items():
                if isinstance(v, (dict, list)):
                    raise StudyConfigError(
                        f"study {study}: section {section!r} key {k!r} must be a scalar, got {type(v).__name__}")
        tables[section] = [{"study": study, **{k: v for k, v in r.items() if k != "study"}} for r in rows]
    return tables


def _arrow(rows: list[dict[str, Any]]) -> pa.Table:
    keys: list[str] = []
    for r in rows:
        for k in r:
            if k not in keys:
                keys.append(k)
    cols = {}
    for k in keys:
        values = [r.get(k) for r in rows]
        kinds = {type(v) for v in values if v is not None}
        if kinds <= {bool}:
            typ = pa.bool_()
        elif kinds <= {int}:
            typ = pa.int64()
        elif kinds <= {int, float}:
            typ = pa.float64()
        else:
            typ = pa.string()
            values = [None if v is None else str(v) for v in values]
        cols[k] = pa.array(values, type=typ)
    return pa.table(cols)


def publish_config(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> dict[str, int]:
    study = config["study"]
    tables = config_tables(config)
    existing = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema='raw' and table_name like 'cfg\\_%' escape '\\'"
    ).fetchall()}
    counts: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        for section, rows in tables.items():
            name = f"cfg_{section}"
            new = _arrow(rows)
            con.register("cfg_new", new)
            if name in existing:
                # keep other studies' rows; union by name lets sections grow new keys
                con.execute(f"create or replace temp table cfg_keep as select * from raw.{name} where study <> ?", [study])
                con.execute(f"create or replace table raw.{name} as "
                            f"select * from cfg_keep union all by name select * from cfg_new")
            else:
                con.execute(f"create table raw.{name} as select * from cfg_new")
            con.unregister("cfg_new")
            counts[name] = len(rows)
        for name in existing - {f"cfg_{s}" for s in tables}:
            con.execute(f"delete from raw.{name} where study = ?", [study])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return counts

"""Publishing a study's validated configuration into the warehouse as `raw.cfg_<section>` tables.

What is published is the typed model (safety_warehouse.study_model) with every default filled in,
so dbt reads exactly the values the Python consumers see and its staging models only rename and cast:
- the top-level values     -> raw.cfg_study     (one row: study, studyid, title, config_sha256)
- a mapping section        -> raw.cfg_<section> (one row, its keys as columns)
- a list section           -> raw.cfg_<section> (one row per item; no rows when the list is empty)
Every column is typed from the model, so a section a study leaves out still has all its columns.
`config_sha256` is the canonical hash of the whole validated configuration (quality.yml included):
part of the data snapshot of every output. Rows of other studies are kept; this study's rows are
replaced in one transaction.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal

import duckdb
import pyarrow as pa
from pydantic import BaseModel

from safety_warehouse.study_model import StudyConfig

_ARROW = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}


def _arrow_type(annotation: Any) -> pa.DataType:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        (annotation,) = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is Literal:
        annotation = type(typing.get_args(annotation)[0])
    return _ARROW[annotation]


def _item_model(config: StudyConfig, section: str) -> tuple[type[BaseModel], list[BaseModel]]:
    value = getattr(config, section)
    if isinstance(value, list):
        (item,) = typing.get_args(type(config).model_fields[section].annotation)
        return item, value
    return type(value), [value]


def _table(model: type[BaseModel], rows: list[dict[str, Any]]) -> pa.Table:
    fields = {"study": pa.string(), **{k: _arrow_type(f.annotation) for k, f in model.model_fields.items()}}
    return pa.table({k: pa.array([r.get(k) for r in rows], type=t) for k, t in fields.items()})


class _StudyRow(BaseModel):
    studyid: str
    title: str
    config_sha256: str


def config_tables(config: StudyConfig) -> dict[str, pa.Table]:
    """raw.cfg_<section> contents of one study (section -> Arrow table with a `study` column)."""
    tables = {"study": _table(_StudyRow, [{"study": config.study, "studyid": config.studyid,
                                           "title": config.title, "config_sha256": config.config_sha256}])}
    for section in StudyConfig.sections():
        model, items = _item_model(config, section)
        rows = [{"study": config.study, **item.model_dump(mode="python")} for item in items]
        tables[section] = _table(model, rows)
    return tables


def publish_config(con: duckdb.DuckDBPyConnection, config: StudyConfig) -> dict[str, int]:
    study = config.study
    tables = config_tables(config)
    existing = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_catalog = current_database() "
        "and table_schema = 'raw' and table_name like 'cfg\\_%' escape '\\'"
    ).fetchall()}
    counts: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        for section, new in tables.items():
            name = f"cfg_{section}"
            con.register("cfg_new", new)
            if name in existing:
                # keep other studies' rows; union by name lets sections grow new keys
                con.execute(f"create or replace temp table cfg_keep as select * from raw.{name} where study <> ?", [study])
                con.execute(f"create or replace table raw.{name} as "
                            f"select * from cfg_keep union all by name select * from cfg_new")
            else:
                con.execute(f"create table raw.{name} as select * from cfg_new")
            con.unregister("cfg_new")
            counts[name] = new.num_rows
        for name in existing - {f"cfg_{s}" for s in tables}:
            con.execute(f"delete from raw.{name} where study = ?", [study])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return counts

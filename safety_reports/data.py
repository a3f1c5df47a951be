"""Reading a study's marts for the safety tables, and the analysis population.

Every mart row carries `studyid`; the study's rows are selected by the STUDYID from its
configuration. The analysis population (the configured population flag, safety by default) and
each subject's analysis arm come from dbt (`results.results_population`, N per arm from
`results.results_big_n`): facts are restricted to those subjects and take their arm from there, so
every table of a study counts the same subjects in the same arms as its results model.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from safety_reports.config import ReportConfig
from safety_warehouse.warehouse import table_exists


class MissingMartError(RuntimeError):
    pass


def read_mart(con: duckdb.DuckDBPyConnection, mart: str, studyid: str) -> pd.DataFrame:
    if not table_exists(con, "marts", mart):
        raise MissingMartError(f"marts.{mart} does not exist: build the dbt marts first")
    return con.execute(f'select * from marts."{mart}" where studyid = ?', [studyid]).df()


def read_mart_columns(con: duckdb.DuckDBPyConnection, mart: str, studyid: str, columns: tuple[str, ...],
                      where: str | None = None) -> pd.DataFrame:
    """The columns a report needs of one mart, this study's rows (and those matching `where`, an SQL
    condition on the mart's own columns, e.g. its flags)."""
    if not table_exists(con, "marts", mart):
        raise MissingMartError(f"marts.{mart} does not exist: build the dbt marts first")
    cols = ", ".join(f'"{c}"' for c in columns)
    condition = f" and ({where})" if where else ""
    return con.execute(f'select {cols} from marts."{mart}" where studyid = ?{condition}', [studyid]).df()


def read_marts(con: duckdb.DuckDBPyConnection, marts: list[str], studyid: str) -> dict[str, pd.DataFrame]:
    return {m: read_mart(con, m, studyid) for m in marts}


def read_result(con: duckdb.DuckDBPyConnection, model: str, studyid: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """The columns a report needs of one dbt results model (schema `results`), this study's rows."""
    if not table_exists(con, "results", model):
        raise MissingMartError(f"results.{model} does not exist: build the dbt results models first")
    cols = ", ".join(f'"{c}"' for c in columns)
    return con.execute(f'select {cols} from results."{model}" where studyid = ?', [studyid]).df()


def read_report(con: duckdb.DuckDBPyConnection, table: str, study: str) -> pd.DataFrame:
    if not table_exists(con, "reports", table):
        raise MissingMartError(f"reports.{table} does not exist: materialise it first")
    return con.execute(f'select * from reports."{table}" where study = ?', [study]).df()


POPULATION_COLUMNS = ("usubjid", "arm", "armn")
BIG_N_COLUMNS = ("arm", "big_n")


def population(frame: pd.DataFrame) -> pd.DataFrame:
    """The analysis population as dbt selected it (results.results_population): `usubjid`, `arm`,
    `armn`, one row per subject."""
    pop = frame.loc[:, list(POPULATION_COLUMNS)].copy()
    pop["armn"] = pop["armn"].astype(int)
    return pop.reset_index(drop=True)


def big_n(frame: pd.DataFrame, cfg: ReportConfig) -> dict[str, int]:
    """N per configured arm as dbt counted it (results.results_big_n), in configuration order."""
    counts = dict(zip(frame["arm"], frame["big_n"]))
    return {a: int(counts.get(a, 0)) for a in cfg.arms.names}


def restrict(frame: pd.DataFrame, pop: pd.DataFrame) -> pd.DataFrame:
    """Rows of a fact belonging to population subjects, with the subject's `arm` and `armn`."""
    arms = pop[["usubjid", "arm", "armn"]]
    out = frame.drop(columns=[c for c in ("arm", "armn") if c in frame.columns])
    return out.merge(arms, on="usubjid", how="inner")


def is_yes(series: pd.Series) -> pd.Series:
    """'Y' / True -> True; anything else (including missing) -> False."""
    if series.dtype == bool:
        return series
    if str(series.dtype) == "boolean":
        return series.fillna(False).astype(bool)
    return series.astype("string").str.upper().isin(["Y", "TRUE"]).fillna(False).astype(bool)

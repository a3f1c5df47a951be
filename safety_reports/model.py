"""What a rendered output is made of: the study context every output carries, a display table
(text cells, headers, row groups, footnotes) and a figure. Compute functions produce tidy frames;
`display_*` functions turn those into a `DisplayTable`; renderers never compute statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from safety_reports.config import ReportConfig


@dataclass(frozen=True)
class ReportContext:
    """What every output of one study states: population, N per arm, data snapshot, code version."""

    cfg: ReportConfig
    big_n: dict[str, int]
    snapshot: str | None
    code_version: str

    @property
    def study(self) -> str:
        return self.cfg.study

    @property
    def population(self) -> str:
        return self.cfg.population_label

    def arm_header(self, arm: str, sep: str = "\n") -> str:
        return f"{arm}{sep}(N={self.big_n.get(arm, 0)})"

    def n_line(self) -> str:
        return "N per arm: " + "; ".join(f"{a} {self.big_n.get(a, 0)}" for a in self.cfg.arms.names)

    def provenance_line(self) -> str:
        snap = (self.snapshot or "none")[:16]
        return f"Data snapshot {snap}; code version {self.code_version}"


@dataclass
class Column:
    key: str
    label: str
    spanner: str | None = None
    align: str = "c"          # l | c | r
    width: float = 1.0        # relative width (RTF)


@dataclass
class DisplayTable:
    """A table ready to render: every cell already formatted text."""

    name: str                       # file stem and reports table name
    title: str
    columns: list[Column]
    body: pd.DataFrame              # one column per Column.key (+ the group column), all text
    group: str | None = None        # column whose value heads a group of rows
    test: str | None = None         # the statistical test used, stated on the output
    footnotes: list[str] = field(default_factory=list)
    data: pd.DataFrame | None = None  # the tidy numbers (an extra XLSX sheet)

    def __post_init__(self) -> None:
        keys = [c.key for c in self.columns]
        missing = [k for k in keys + ([self.group] if self.group else []) if k not in self.body.columns]
        if missing:
            raise ValueError(f"{self.name}: body lacks columns {missing}")
        self.body = self.body[([self.group] if self.group else []) + keys].fillna("").astype(str)

    def spanners(self) -> list[tuple[str, int]]:
        """Consecutive runs of the header spanners: [(label or '', width in columns)]."""
        runs: list[tuple[str, int]] = []
        for c in self.columns:
            label = c.spanner or ""
            if runs and runs[-1][0] == label and label:
                runs[-1] = (label, runs[-1][1] + 1)
            else:
                runs.append((label, 1))
        return runs

    def has_spanners(self) -> bool:
        return any(c.spanner for c in self.columns)


@dataclass
class FigureOutput:
    name: str
    title: str
    figure: Any                     # a matplotlib Figure
    footnotes: list[str] = field(default_factory=list)


def fmt_int(v: Any) -> str:
    if v is None or pd.isna(v):
        return ""
    return f"{int(v)}"


def fmt_num(v: Any, decimals: int) -> str:
    """Fixed decimals, halves rounded away from zero (72.25 -> '72.3'), as tables are read."""
    if v is None or pd.isna(v):
        return ""
    d = max(int(decimals), 0)
    q = Decimal(repr(float(v))).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP)
    return f"{q:.{d}f}"


def fmt_n_pct(n: Any, pct: Any, decimals: int = 1) -> str:
    if n is None or pd.isna(n):
        return ""
    if pct is None or pd.isna(pct):
        return f"{int(n)}"
    return f"{int(n)} ({fmt_num(pct, decimals)})"


# p-values print to P_DECIMALS decimals, and as "<P_FLOOR" below it (the XLSX number format follows)
P_DECIMALS = 4
P_FLOOR = 0.0001


def fmt_p(p: Any, alpha: float | None = None) -> str:
    if p is None or pd.isna(p):
        return ""
    p = float(p)
    text = f"<{P_FLOOR:g}" if p < P_FLOOR else f"{p:.{P_DECIMALS}f}"
    if alpha is not None and p < alpha:
        text += "*"
    return text


def pct(n: Any, big: Any) -> float:
    if big is None or pd.isna(big) or big == 0:
        return float("nan")
    return 100.0 * float(n) / float(big)


def n_pct_series(n: pd.Series, pct_values: pd.Series, decimals: int = 1) -> pd.Series:
    """Vectorised fmt_n_pct."""
    text = [fmt_n_pct(a, b, decimals) for a, b in zip(n.tolist(), pct_values.tolist())]
    return pd.Series(text, index=n.index, dtype=object)


def spread(frame: pd.DataFrame, index: list[str], column: pd.Series, value: pd.Series) -> pd.DataFrame:
    """Long -> wide: one row per `index` combination (missing values allowed), one column per
    distinct `column` value holding `value`; rows keep the order of their first appearance."""
    row_id = frame.groupby(index, dropna=False, sort=False).ngroup().to_numpy()
    keys = frame[index].assign(_row=row_id).drop_duplicates("_row").set_index("_row").sort_index()
    cells = pd.DataFrame({"_row": row_id, "_col": column.astype(str).to_numpy(), "_val": value.to_numpy()})
    wide = cells.drop_duplicates(["_row", "_col"]).pivot(index="_row", columns="_col", values="_val")
    out = keys.join(wide, how="left").reset_index(drop=True)
    value_cols = [c for c in out.columns if c not in index]
    out[value_cols] = out[value_cols].astype(object).where(out[value_cols].notna(), "")
    return out

"""Demographic and baseline characteristics by arm and in total (pilot table 14-2.01).

Continuous variables: n, mean, SD, median, min, max per arm and total, p-value from a one-way
ANOVA across arms. Categorical variables: n and % of the arm's N per category, p-value from a
Pearson chi-square test of the categories x arms table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from orchestration.lib.reporting import stats
from orchestration.lib.reporting.model import Column, DisplayTable, ReportContext, fmt_int, fmt_n_pct, fmt_num, fmt_p, pct

TABLE = "t_demographics"


@dataclass(frozen=True)
class Variable:
    column: str
    label: str
    kind: str                   # continuous | categorical
    order_column: str | None = None  # categorical: numeric display order of the categories
    decimals: int = 1


VARIABLES = (
    Variable("age", "Age (years)", "continuous"),
    Variable("agegr1", "Age group (years)", "categorical", order_column="agegr1n"),
    Variable("sex", "Sex", "categorical"),
    Variable("race", "Race", "categorical"),
    Variable("ethnic", "Ethnicity", "categorical"),
    Variable("heightbl", "Baseline height (cm)", "continuous"),
    Variable("weightbl", "Baseline weight (kg)", "continuous"),
    Variable("bmibl", "Baseline BMI (kg/m2)", "continuous"),
)

STATS = ("n", "Mean", "SD", "Median", "Min", "Max")


def compute(pop: pd.DataFrame, ctx: ReportContext, variables=VARIABLES) -> pd.DataFrame:
    """Tidy result: one row per variable x statistic-or-category x arm (arms, then Total)."""
    arms = ctx.cfg.arms
    total = ctx.cfg.total_label
    columns = [(a, arms.order_of(a), pop.loc[pop["arm"] == a]) for a in arms.names]
    columns.append((total, len(arms.names) + 1, pop))
    big = {a: len(df) for a, _, df in columns}
    rows: list[dict] = []
    for vi, var in enumerate(variables, start=1):
        if var.column not in pop.columns:
            continue
        if pop[var.column].isna().all():
            continue  # not collected in this study
        if var.kind == "continuous":
            values = pd.to_numeric(pop[var.column], errors="coerce")
            p = stats.anova_p([values[pop["arm"] == a].tolist() for a in arms.names])
            for arm, armn, df in columns:
                v = pd.to_numeric(df[var.column], errors="coerce").dropna()
                summary = {"n": float(len(v)), "Mean": v.mean(), "SD": v.std(ddof=1), "Median": v.median(),
                           "Min": v.min(), "Max": v.max()}
                for si, stat in enumerate(STATS, start=1):
                    rows.append(dict(variable=var.column, var_label=var.label, var_order=vi, kind=var.kind,
                                     row_label=stat, row_order=si, arm=arm, armn=armn, big_n=big[arm],
                                     n=int(len(v)) if stat == "n" else None, pct=None,
                                     value=float(summary[stat]) if len(v) else None,
                                     p_value=p, test="ANOVA"))
        else:
            cats = _categories(pop, var)
            table = [[int((pop.loc[pop["arm"] == a, var.column].astype("string") == c).sum()) for a in arms.names]
                     for c, _ in cats if c is not None]
            p = stats.chi_square_p(table)
            for ci, (cat, _) in enumerate(cats, start=1):
                for arm, armn, df in columns:
                    col = df[var.column].astype("string")
                    n = int(col.isna().sum()) if cat is None else int((col == cat).sum())
                    rows.append(dict(variable=var.column, var_label=var.label, var_order=vi, kind=var.kind,
                                     row_label="Missing" if cat is None else str(cat), row_order=ci, arm=arm,
                                     armn=armn, big_n=big[arm], n=n, pct=pct(n, big[arm]), value=None,
                                     p_value=p, test="Chi-square"))
    out = pd.DataFrame(rows)
    out.insert(0, "study", ctx.study)
    return out


def _categories(pop: pd.DataFrame, var: Variable) -> list[tuple[str | None, float]]:
    col = pop[var.column].astype("string")
    present = col.dropna().unique().tolist()
    if var.order_column and var.order_column in pop.columns:
        order = (pop.assign(_c=col).dropna(subset=["_c"]).groupby("_c")[var.order_column]
                 .min().to_dict())
        cats = sorted(present, key=lambda c: (pd.isna(order.get(c)), order.get(c, 0), c))
    else:
        cats = sorted(present)
    out: list[tuple[str | None, float]] = [(c, i) for i, c in enumerate(cats)]
    if col.isna().any():
        out.append((None, len(out)))
    return out


def display(result: pd.DataFrame, ctx: ReportContext) -> DisplayTable:
    arms = ctx.cfg.arms.names + [ctx.cfg.total_label]
    big = result.drop_duplicates("arm").set_index("arm")["big_n"].to_dict()
    rows = []
    for (vo, var), g in result.sort_values(["var_order", "row_order", "armn"]).groupby(["var_order", "var_label"], sort=True):
        first = True
        for (ro, label), r in g.groupby(["row_order", "row_label"], sort=True):
            by_arm = r.set_index("arm")
            row = {"group": var, "stat": label}
            for i, a in enumerate(arms):
                if a not in by_arm.index:
                    row[f"a{i}"] = ""
                    continue
                x = by_arm.loc[a]
                if x["kind"] == "continuous":
                    row[f"a{i}"] = fmt_int(x["n"]) if label == "n" else fmt_num(
                        x["value"], 2 if label == "SD" else 1)
                else:
                    row[f"a{i}"] = fmt_n_pct(x["n"], x["pct"])
            row["p"] = fmt_p(r["p_value"].iloc[0], ctx.cfg.alpha) if first else ""
            first = False
            rows.append(row)
    body = pd.DataFrame(rows)
    columns = [Column("stat", "", align="l", width=2.0)]
    columns += [Column(f"a{i}", f"{a}\n(N={big.get(a, 0)})") for i, a in enumerate(arms)]
    columns.append(Column("p", "p-value"))
    return DisplayTable(
        name=TABLE, title="Summary of demographic and baseline characteristics",
        columns=columns, body=body, group="group",
        test="Continuous variables: one-way ANOVA across arms; categorical variables: Pearson chi-square test",
        footnotes=["Percentages are based on the number of subjects in each arm (N).",
                   f"* p-value below the study significance level ({ctx.cfg.alpha:g})."],
        data=result)

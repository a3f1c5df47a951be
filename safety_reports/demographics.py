"""Demographic and baseline characteristics by arm and in total (pilot table 14-2.01).

Every count and descriptive statistic comes from the dbt results model results_demographics
(n, mean, SD, median, min, max of continuous variables; n, categories and missing of categorical
ones, with the groups derived in dim_subject). Here each variable gets its p-value: one-way ANOVA
across arms for continuous variables (from each arm's n, mean and SD), Pearson chi-square of the
categories x arms table for categorical ones, and the table is displayed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safety_reports import stats
from safety_reports.model import Column, DisplayTable, ReportContext, fmt_int, fmt_n_pct, fmt_num, fmt_p

TABLE = "t_demographics"

LABELS = {
    "age": "Age (years)",
    "agegr1": "Age group (years)",
    "sex": "Sex",
    "racegr1": "Race (Origin)",
    "weightbl": "Baseline weight (kg)",
    "heightbl": "Baseline height (cm)",
    "bmibl": "Baseline BMI (kg/m2)",
    "bmigr1": "Baseline BMI group (kg/m2)",
}
STATISTICS = {"n": "n", "mean": "Mean", "sd": "SD", "median": "Median", "min": "Min", "max": "Max",
              "missing": "Missing"}
TESTS = {"continuous": "ANOVA", "categorical": "Chi-square"}


def compute(result: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """Tidy result: one row per variable x statistic-or-category x column (arms, then the total),
    with the variable's p-value on each of its rows."""
    r = result.copy()
    r["arm"] = r["arm"].astype(object).where(r["arm"].notna(), ctx.cfg.total_label)
    r["var_label"] = [LABELS.get(v, v) for v in r["variable"]]
    r["row_label"] = [str(c) if s == "category" else STATISTICS.get(s, s) for s, c in zip(r["statistic"], r["category"])]
    r["test"] = r["kind"].map(TESTS)
    p_values = {v: _p_value(g, ctx) for v, g in r.groupby("variable")}
    r["p_value"] = r["variable"].map(p_values)
    r.insert(0, "study", ctx.study)
    cols = ["study", "variable", "var_label", "var_order", "kind", "row_label", "row_order", "arm", "armn", "big_n",
            "n", "pct", "value", "p_value", "test"]
    return r[cols].sort_values(["var_order", "row_order", "armn"]).reset_index(drop=True)


def _p_value(rows: pd.DataFrame, ctx: ReportContext) -> float:
    arms = ctx.cfg.arms.names
    by_arm = rows.loc[rows["arm"].isin(arms)]
    if rows["kind"].iloc[0] == "continuous":
        wide = by_arm.pivot(index="arm", columns="statistic", values="value")
        wide = wide.reindex(arms)
        return stats.anova_summary_p(wide.get("n", pd.Series(np.nan, index=wide.index)).tolist(),
                                     wide.get("mean", pd.Series(np.nan, index=wide.index)).tolist(),
                                     wide.get("sd", pd.Series(np.nan, index=wide.index)).tolist())
    cats = by_arm.loc[by_arm["statistic"] == "category"]
    table = cats.pivot(index="category", columns="arm", values="n").reindex(columns=arms)
    return stats.chi_square_p(table.fillna(0).to_numpy())


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
    body = pd.DataFrame(rows, columns=["group", "stat"] + [f"a{i}" for i in range(len(arms))] + ["p"])
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

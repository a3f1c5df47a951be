"""Laboratory category tables: shifts from the baseline category to each post-baseline visit
(normal-range categories, and threshold categories, pilot 14-6.04), and the frequency of low,
normal and high values during treatment with Fisher's exact test (pilot 14-6.02).

Every count comes from a dbt results model (results_lab_shift, results_lab_thr_shift,
results_lab_nr_freq); here the categories get their display labels and order from the study's
`nrind_codes`, the frequency table gets its p-values, and both are displayed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safety_reports import stats
from safety_reports.model import (Column, DisplayTable, ReportContext, fmt_n_pct, fmt_p, n_pct_series,
                                               spread)

MISSING = "Missing"


def shift_table(result: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """A shift table from its results model: subjects per parameter x post-baseline visit x arm x
    baseline category ('Missing' when the model's baseline is NULL) x post category, with the
    categories' labels and display order."""
    cfg = ctx.cfg
    out = result.rename(columns={"avisit": "visit", "avisitn": "visitn"}).copy()
    out["parcat1"] = out["parcat1"].astype("string").fillna("")
    out["baseline"] = out["baseline"].astype("string").fillna(MISSING)
    out["baseline_label"] = [MISSING if b == MISSING else cfg.category_label(b) for b in out["baseline"]]
    out["post_label"] = out["post"].map(cfg.category_label)
    out["base_order"] = [cfg.category_rank(None if b == MISSING else b)[0] for b in out["baseline"]]
    out["post_order"] = [cfg.category_rank(p)[0] for p in out["post"]]
    out.insert(0, "study", ctx.study)
    cols = ["study", "parcat1", "paramcd", "param", "visitn", "visit", "arm", "armn", "baseline", "baseline_label",
            "base_order", "post", "post_label", "post_order", "n", "n_visit", "pct"]
    return out[cols].sort_values(["parcat1", "paramcd", "visitn", "base_order", "baseline", "armn", "post_order"]
                                 ).reset_index(drop=True)


def display_shift(result: pd.DataFrame, ctx: ReportContext, name: str, title: str, what: str) -> DisplayTable:
    arms = ctx.cfg.arms
    posts = (result[["post", "post_label", "post_order"]].drop_duplicates()
             .sort_values(["post_order", "post"]).drop_duplicates("post"))
    # rows with nobody in any arm are left out of the display (kept in the data)
    shown = result.groupby(["paramcd", "visitn", "baseline"])["n"].transform("sum") > 0
    data = result.loc[shown].sort_values(["parcat1", "paramcd", "visitn", "base_order", "baseline", "armn", "post_order"])
    arm_index = {a: i for i, a in enumerate(arms.names)}
    post_index = {p: j for j, p in enumerate(posts["post"])}
    keys = pd.Series([f"a{arm_index[a]}_{post_index[p]}" for a, p in zip(data["arm"], data["post"])], index=data.index)
    wide = spread(data, ["param", "visitn", "visit", "baseline_label"], keys, n_pct_series(data["n"], data["pct"]))
    rows = wide.rename(columns={"param": "group", "baseline_label": "baseline"})
    for i in range(len(arms.names)):
        for j in range(len(posts)):
            if f"a{i}_{j}" not in rows.columns:
                rows[f"a{i}_{j}"] = ""
    rows["group"] = rows["group"].astype(str)
    body = rows
    if not body.empty:
        repeat = (body["group"] == body["group"].shift()) & (body["visit"] == body["visit"].shift())
        body.loc[repeat, "visit"] = ""
    columns = [Column("visit", "Visit", align="l", width=1.3), Column("baseline", "Baseline", align="l", width=0.9)]
    for i, a in enumerate(arms.names):
        span = ctx.arm_header(a, " ")
        columns += [Column(f"a{i}_{j}", lab, spanner=span, width=0.9) for j, lab in enumerate(posts["post_label"])]
    if body.empty:
        body = pd.DataFrame(columns=["group"] + [c.key for c in columns])
    return DisplayTable(
        name=name, title=title, columns=columns, body=body, group="group",
        footnotes=[f"Rows: {what} category at baseline; columns: category at the visit. n (%): subjects, percent of "
                   "the subjects of the arm with a category at that visit.",
                   "Baseline categories with no subject in any arm at a visit are not shown."],
        data=result)


def frequency(result: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """The 14-6.02 table from its results model (one worst on-treatment record per subject and
    parameter, counted by category) with Fisher's exact test of each active arm vs control per
    category, only where the model marks the comparison (`compare_to_control`), else NULL."""
    cfg = ctx.cfg
    out = result.copy()
    out["parcat1"] = out["parcat1"].astype("string").fillna("")
    out["p_value"] = [
        stats.fisher_exact_p(int(x), int(n), int(xc), int(nc)) if bool(cmp) else np.nan
        for x, n, xc, nc, cmp in zip(out["n_subjects"], out["n_evaluable"], out["ctrl_n_subjects"],
                                     out["ctrl_n_evaluable"], out["compare_to_control"])]
    out["category_label"] = out["category"].map(cfg.category_label)
    out["category_order"] = [cfg.category_rank(c)[0] for c in out["category"]]
    out.insert(0, "study", ctx.study)
    cols = ["study", "parcat1", "paramcd", "param", "category", "category_label", "category_order", "arm", "armn",
            "n_evaluable", "n_subjects", "pct", "p_value"]
    return out[cols].sort_values(["parcat1", "paramcd", "category_order", "armn"]).reset_index(drop=True)


def display_frequency(result: pd.DataFrame, ctx: ReportContext) -> DisplayTable:
    arms = ctx.cfg.arms
    rows = []
    for (_, _, param, _, label), g in result.groupby(
            ["parcat1", "paramcd", "param", "category_order", "category_label"], sort=True):
        by = g.set_index("arm")
        row = {"group": str(param), "category": label}
        for i, a in enumerate(arms.names):
            if a in by.index:
                x = by.loc[a]
                row[f"a{i}"] = f"{fmt_n_pct(x['n_subjects'], x['pct'])} / {int(x['n_evaluable'])}"
            else:
                row[f"a{i}"] = ""
        for j, a in enumerate(arms.actives):
            row[f"p{j}"] = fmt_p(by.at[a, "p_value"], ctx.cfg.alpha) if a in by.index else ""
        rows.append(row)
    columns = [Column("category", "Category", align="l", width=1.2)]
    columns += [Column(f"a{i}", ctx.arm_header(a) + "\nn (%) / evaluable", width=1.5) for i, a in enumerate(arms.names)]
    columns += [Column(f"p{j}", f"p-value\n{arms.label_of(a)} vs {arms.label_of(arms.control)}")
                for j, a in enumerate(arms.actives)]
    body = pd.DataFrame(rows, columns=["group"] + [c.key for c in columns])
    return DisplayTable(
        name="t_lab_nr_freq", title="Frequency of normal and abnormal (beyond normal range) laboratory values "
        "during treatment", columns=columns, body=body, group="group",
        test="Fisher's exact test (two-sided), each active arm vs control, per category",
        footnotes=["n: subjects whose worst on-treatment value (the one furthest outside the normal range) is in the "
                   "category, one value per subject and parameter; evaluable: subjects with such a value (the sum "
                   "of the categories).",
                   f"* p-value below the study significance level ({ctx.cfg.alpha:g})."],
        data=result)

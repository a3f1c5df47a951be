"""Laboratory category tables: shifts from the baseline category to each post-baseline visit
(normal-range categories, and threshold categories, pilot 14-6.04), and the frequency of low,
normal and high values during treatment with Fisher's exact test (pilot 14-6.02).

Categories are the codes of the marts (anrind/bnrind, athrind/bthrind); their display order and
labels come from the study's `nrind_codes`. Records are those of the by-visit summaries.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.lib.reporting import stats
from orchestration.lib.reporting.model import (Column, DisplayTable, ReportContext, fmt_n_pct, fmt_p, n_pct_series,
                                               pct, spread)

MISSING = "Missing"


def _codes(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip().replace("", pd.NA)


def shift_by_visit(records: pd.DataFrame, ctx: ReportContext, base_col: str, post_col: str) -> pd.DataFrame:
    """Subjects per parameter x post-baseline visit x arm x baseline category x post category.
    Records without a post-baseline category are left out; a missing baseline category is its own
    row ('Missing'). Percentages are of the subjects with a category at that visit in the arm."""
    cfg = ctx.cfg
    r = records.loc[records["visit_type"] == "post-baseline"].copy()
    r["baseline"] = _codes(r[base_col]).fillna(MISSING)
    r["post"] = _codes(r[post_col])
    r = r.loc[r["post"].notna()]
    keys = ["parcat1", "paramcd", "param", "visitn", "visit"]
    counts = r.groupby(keys + ["arm", "baseline", "post"]).usubjid.nunique().rename("n").reset_index()
    totals = r.groupby(keys + ["arm"]).usubjid.nunique().rename("n_visit").reset_index()
    cats_base = r.groupby("paramcd")["baseline"].unique()
    cats_post = r.groupby("paramcd")["post"].unique()
    frames = []
    for paramcd, visits in r[keys].drop_duplicates().groupby("paramcd"):
        grid = (visits.merge(pd.DataFrame({"arm": cfg.arms.names}), how="cross")
                .merge(pd.DataFrame({"baseline": sorted(cats_base[paramcd], key=cfg.category_rank)}), how="cross")
                .merge(pd.DataFrame({"post": sorted(cats_post[paramcd], key=cfg.category_rank)}), how="cross"))
        frames.append(grid)
    if not frames:
        return pd.DataFrame(columns=["study", *keys, "arm", "armn", "baseline", "baseline_label", "base_order", "post",
                                     "post_label", "post_order", "n", "n_visit", "pct"])
    out = pd.concat(frames, ignore_index=True).merge(counts, on=keys + ["arm", "baseline", "post"], how="left")
    out = out.merge(totals, on=keys + ["arm"], how="left")
    out[["n", "n_visit"]] = out[["n", "n_visit"]].fillna(0).astype(int)
    out["pct"] = [pct(n, d) for n, d in zip(out["n"], out["n_visit"])]
    out["armn"] = out["arm"].map(cfg.arms.order_of).astype(int)
    out["baseline_label"] = [MISSING if b == MISSING else cfg.category_label(b) for b in out["baseline"]]
    out["post_label"] = out["post"].map(cfg.category_label)
    out["base_order"] = [cfg.category_rank(None if b == MISSING else b)[0] for b in out["baseline"]]
    out["post_order"] = [cfg.category_rank(p)[0] for p in out["post"]]
    out.insert(0, "study", ctx.study)
    cols = ["study", *keys, "arm", "armn", "baseline", "baseline_label", "base_order", "post", "post_label",
            "post_order", "n", "n_visit", "pct"]
    return out[cols].sort_values(["parcat1", "paramcd", "visitn", "base_order", "baseline", "armn", "post_order"]).reset_index(drop=True)


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


def frequency_during_treatment(records: pd.DataFrame, ctx: ReportContext, col: str = "anrind") -> pd.DataFrame:
    """Per parameter and arm: subjects with at least one post-baseline value in each category
    (a subject can count in several), of the subjects with any post-baseline category; Fisher's
    exact test of each active arm vs control per category."""
    cfg = ctx.cfg
    r = records.loc[records["visit_type"] == "post-baseline"].copy()
    r["cat"] = _codes(r[col])
    r = r.loc[r["cat"].notna()]
    keys = ["parcat1", "paramcd", "param"]
    denom = r.groupby(keys + ["arm"]).usubjid.nunique().rename("n_evaluable").reset_index()
    counts = r.groupby(keys + ["arm", "cat"]).usubjid.nunique().rename("n_subjects").reset_index()
    frames = []
    for _, g in r.groupby("paramcd"):
        grid = (g[keys].drop_duplicates().merge(pd.DataFrame({"arm": cfg.arms.names}), how="cross")
                .merge(pd.DataFrame({"cat": sorted(g["cat"].unique(), key=cfg.category_rank)}), how="cross"))
        frames.append(grid)
    if not frames:
        return pd.DataFrame(columns=["study", *keys, "category", "category_label", "category_order", "arm", "armn",
                                     "n_evaluable", "n_subjects", "pct", "p_value"])
    out = (pd.concat(frames, ignore_index=True).merge(counts, on=keys + ["arm", "cat"], how="left")
           .merge(denom, on=keys + ["arm"], how="left"))
    out[["n_subjects", "n_evaluable"]] = out[["n_subjects", "n_evaluable"]].fillna(0).astype(int)
    out["pct"] = [pct(n, d) for n, d in zip(out["n_subjects"], out["n_evaluable"])]
    out["armn"] = out["arm"].map(cfg.arms.order_of).astype(int)
    out["p_value"] = np.nan
    control = cfg.arms.control
    for _, g in out.groupby(["paramcd", "cat"]):
        c = g.loc[g["arm"] == control]
        if c.empty:
            continue
        xc, nc = int(c["n_subjects"].iloc[0]), int(c["n_evaluable"].iloc[0])
        for idx, row in g.loc[g["arm"] != control].iterrows():
            out.at[idx, "p_value"] = stats.fisher_exact_p(int(row["n_subjects"]), int(row["n_evaluable"]), xc, nc)
    out = out.rename(columns={"cat": "category"})
    out["category_label"] = out["category"].map(cfg.category_label)
    out["category_order"] = [cfg.category_rank(c)[0] for c in out["category"]]
    out.insert(0, "study", ctx.study)
    cols = ["study", *keys, "category", "category_label", "category_order", "arm", "armn", "n_evaluable",
            "n_subjects", "pct", "p_value"]
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
        footnotes=["n: subjects with at least one post-baseline value in the category (a subject can count in more "
                   "than one category); evaluable: subjects with at least one post-baseline value.",
                   f"* p-value below the study significance level ({ctx.cfg.alpha:g})."],
        data=result)

"""Adverse-event tables: overview, incidence by system organ class and preferred term (all,
serious, by worst severity), incidence by time after dose, and risk differences for the dot plot.

Every count, percentage, event count and row selection is dbt's (results_ae_overview,
results_ae_soc_pt, results_ae_soc_pt_serious, results_ae_soc_pt_severity, results_ae_dose_window,
results_ae_risk_diff); here the tables get Fisher's exact p-value of each active arm vs control on
subject counts (where the model marks the comparison) and the risk difference with its confidence
interval, and are displayed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safety_reports import stats
from safety_reports.model import (Column, DisplayTable, FigureOutput, ReportContext, fmt_int, fmt_n_pct, fmt_p,
                                  n_pct_series, spread)

INDENT = "\u00a0" * 4


# --------------------------------------------------------------------------- p-values

def _fisher_vs_control(frame: pd.DataFrame) -> list[float]:
    """Fisher's exact p of each row's arm vs the control arm on subject counts, where the results
    model marks the comparison (`compare_to_control`), else NaN."""
    return [stats.fisher_exact_p(int(x), int(n), int(xc), int(nc)) if bool(cmp) else np.nan
            for x, n, xc, nc, cmp in zip(frame["n_subjects"], frame["big_n"], frame["ctrl_n_subjects"],
                                         frame["ctrl_big_n"], frame["compare_to_control"])]


# --------------------------------------------------------------------------- overview

def overview(result: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """The AE overview from its results model (results_ae_overview: subjects and events with any,
    serious, severe, related TEAE, TEAE leading to death or to discontinuation, the last from the
    AE action taken or, when the study records none, the end-of-study reason: `source`); this adds
    Fisher's exact p of each active arm vs control."""
    out = result.copy()
    out["p_value"] = _fisher_vs_control(out)
    out["n_events"] = out["n_events"].astype("Int64")
    out.insert(0, "study", ctx.study)
    cols = ["study", "category", "label", "category_order", "arm", "armn", "big_n", "n_subjects", "pct",
            "n_events", "p_value", "source"]
    return out[cols].sort_values(["category_order", "armn"]).reset_index(drop=True)


def display_overview(result: pd.DataFrame, ctx: ReportContext) -> DisplayTable:
    arms = ctx.cfg.arms
    rows = []
    for (_, label), g in result.groupby(["category_order", "label"], sort=True):
        by = g.set_index("arm")
        row = {"label": label}
        for i, a in enumerate(arms.names):
            row[f"n{i}"] = fmt_n_pct(by.at[a, "n_subjects"], by.at[a, "pct"])
            row[f"e{i}"] = fmt_int(by.at[a, "n_events"]) if not pd.isna(by.at[a, "n_events"]) else "-"
        for j, a in enumerate(arms.actives):
            row[f"p{j}"] = fmt_p(by.at[a, "p_value"], ctx.cfg.alpha)
        rows.append(row)
    columns = [Column("label", "", align="l", width=3.0)]
    for i, a in enumerate(arms.names):
        columns += [Column(f"n{i}", "n (%)", spanner=ctx.arm_header(a, " ")), Column(f"e{i}", "Events", spanner=ctx.arm_header(a, " "))]
    columns += [Column(f"p{j}", f"p-value {arms.label_of(a)} vs {arms.label_of(arms.control)}")
                for j, a in enumerate(arms.actives)]
    source = result.loc[result["category"] == "discontinuation", "source"]
    foot = ["Treatment-emergent adverse events (TEAE). n (%): subjects with at least one such event; "
            "Events: number of events. Percentages are of the arm's N."]
    if not source.empty and source.iloc[0] == "DS":
        foot.append("The AE data do not record the action taken, so discontinuation is the end-of-study "
                    f"reason '{ctx.cfg.ae_discontinuation_reason}' in the disposition data (subjects only).")
    return DisplayTable(name="t_ae_overview", title="Overview of treatment-emergent adverse events",
                        columns=columns, body=pd.DataFrame(rows), test="Fisher's exact test (two-sided), each active arm vs control, on subject counts",
                        footnotes=foot, data=result)



# --------------------------------------------------------------------------- special interest

def special_interest(result: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """Incidence of each configured special-interest category from its results model
    (results_ae_aesi); this adds Fisher's exact p of each active arm vs control."""
    out = result.copy()
    out["p_value"] = _fisher_vs_control(out)
    out.insert(0, "study", ctx.study)
    cols = ["study", "aesi_cat", "definition", "category_order", "arm", "armn", "big_n", "n_subjects", "pct",
            "n_events", "p_value"]
    return out[cols].sort_values(["category_order", "armn"]).reset_index(drop=True)


def display_special_interest(result: pd.DataFrame, ctx: ReportContext) -> DisplayTable:
    arms = ctx.cfg.arms
    rows, definitions = [], []
    for (_, category, definition), g in result.groupby(["category_order", "aesi_cat", "definition"], sort=True):
        by = g.set_index("arm")
        row = {"label": category}
        for i, a in enumerate(arms.names):
            row[f"n{i}"] = fmt_n_pct(by.at[a, "n_subjects"], by.at[a, "pct"])
            row[f"e{i}"] = fmt_int(by.at[a, "n_events"])
        for j, a in enumerate(arms.actives):
            row[f"p{j}"] = fmt_p(by.at[a, "p_value"], ctx.cfg.alpha)
        rows.append(row)
        definitions.append(f"{category}: {definition}")
    columns = [Column("label", "Category", align="l", width=2.6)]
    for i, a in enumerate(arms.names):
        span = ctx.arm_header(a, " ")
        columns += [Column(f"n{i}", "n (%)", spanner=span), Column(f"e{i}", "Events", spanner=span, width=0.7)]
    columns += [Column(f"p{j}", f"p-value {arms.label_of(a)} vs {arms.label_of(arms.control)}")
                for j, a in enumerate(arms.actives)]
    foot = ["Treatment-emergent adverse events of special interest, as configured (aesi:): "
            + "; ".join(definitions) + ". An onset window counts days from the most recent dose.",
            "n (%): subjects with at least one such event (percent of the arm's N); Events: number of events. "
            "No p-value where neither arm has the event."]
    return DisplayTable(name="t_ae_aesi", title="Treatment-emergent adverse events of special interest",
                        columns=columns, body=pd.DataFrame(rows, columns=[c.key for c in columns]),
                        test="Fisher's exact test (two-sided), each active arm vs control, on subject counts",
                        footnotes=foot, data=result)

# --------------------------------------------------------------------------- SOC / PT


def soc_pt(result: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """The SOC / PT incidence table (14-5.01, 14-5.02) from its dbt results model: rows, counts,
    percentages and row order come from the model; this adds Fisher's exact p-value of each
    active arm vs control on subject counts, only where the model marks the comparison
    (`compare_to_control`: some subject in the active or the control arm), else NULL."""
    out = result.copy()
    out["p_value"] = _fisher_vs_control(out)
    # multiplicity: the double FDR of Mehrotra & Heyse over the PT rows of each active arm
    out["p_fdr_pt"] = np.nan
    out["p_fdr_soc"] = np.nan
    terms = out.loc[out["level"] == "pt"]
    for _, rows in terms.groupby("arm", sort=False):
        within, across = stats.double_fdr(rows["soc"].astype(str).to_numpy(), rows["p_value"].to_numpy(dtype=float))
        out.loc[rows.index, "p_fdr_pt"] = within
        out.loc[rows.index, "p_fdr_soc"] = across
    out.insert(0, "study", ctx.study)
    cols = ["study", "level", "soc", "pt", "arm", "armn", "big_n", "n_subjects", "pct", "n_events", "p_value",
            "p_fdr_pt", "p_fdr_soc", "row_order"]
    return out[cols].sort_values(["row_order", "armn"]).reset_index(drop=True)


def _row_label(level, soc, pt, what: str) -> str:
    if level == "overall":
        return f"Subjects with at least one {what}"
    if level == "soc":
        return str(soc)
    return INDENT + str(pt)


def _arm_cells(result: pd.DataFrame, ctx: ReportContext, index: list[str], p_values: bool) -> pd.DataFrame:
    """Wide cells per arm: n{i} = 'n (%)', e{i} = events, p{j} = p-value of active arm j."""
    arms = ctx.cfg.arms
    pos = {a: i for i, a in enumerate(arms.names)}
    act = {a: j for j, a in enumerate(arms.actives)}
    i = result["arm"].map(pos).astype(str)
    n = spread(result, index, "n" + i, n_pct_series(result["n_subjects"], result["pct"]))
    e = spread(result, index, "e" + i, pd.Series([fmt_int(v) for v in result["n_events"]], index=result.index))
    out = n.merge(e, on=index, how="left", sort=False)
    if p_values:
        sub = result.loc[result["arm"].isin(arms.actives)]
        p = spread(sub, index, "p" + sub["arm"].map(act).astype(str),
                   pd.Series([fmt_p(v, ctx.cfg.alpha) for v in sub["p_value"]], index=sub.index))
        out = out.merge(p, on=index, how="left", sort=False)
    return out


def display_soc_pt(result: pd.DataFrame, ctx: ReportContext, name: str, title: str, what: str) -> DisplayTable:
    arms = ctx.cfg.arms
    data = result.sort_values(["row_order", "armn"])
    body = _arm_cells(data, ctx, ["row_order", "level", "soc", "pt"], p_values=True)
    body["label"] = [_row_label(lv, so, pt, what) for lv, so, pt in zip(body["level"], body["soc"], body["pt"])]
    columns = [Column("label", "System organ class\n" + INDENT + "Preferred term", align="l", width=3.2)]
    for i, a in enumerate(arms.names):
        span = ctx.arm_header(a, " ")
        columns += [Column(f"n{i}", "n (%)", spanner=span), Column(f"e{i}", "Events", spanner=span, width=0.7)]
    columns += [Column(f"p{j}", f"p-value\n{arms.label_of(a)} vs {arms.label_of(arms.control)}")
                for j, a in enumerate(arms.actives)]
    return DisplayTable(
        name=name, title=title, columns=columns, body=body,
        test="Fisher's exact test (two-sided), each active arm vs control, on subject counts",
        footnotes=[f"n (%): subjects with at least one {what}, counted once per row; Events: number of events. "
                   "Percentages are of the arm's N.",
                   f"System organ classes alphabetical; preferred terms by descending incidence in {arms.last}.",
                   f"* p-value below the study significance level ({ctx.cfg.alpha:g}), not adjusted for "
                   "multiplicity; the tidy table also holds the double false-discovery-rate adjustment of "
                   "Mehrotra and Heyse (2004) over system organ classes and preferred terms (p_fdr_pt, p_fdr_soc)."],
        data=result)


def soc_pt_severity(result: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """Subjects by their worst severity within each row (overall, SOC, PT) and events by severity,
    from its results model (results_ae_soc_pt_severity), rows in the order of the SOC / PT table."""
    out = result.copy()
    out.insert(0, "study", ctx.study)
    cols = ["study", "level", "soc", "pt", "severity", "sevn", "arm", "armn", "big_n", "n_subjects", "pct",
            "n_events", "row_order"]
    return out[cols].sort_values(["row_order", "sevn", "armn"]).reset_index(drop=True)


def display_severity(result: pd.DataFrame, ctx: ReportContext) -> DisplayTable:
    arms = ctx.cfg.arms
    data = result.sort_values(["row_order", "sevn", "armn"])
    body = _arm_cells(data, ctx, ["row_order", "sevn", "level", "soc", "pt", "severity"], p_values=False)
    first = body["row_order"] != body["row_order"].shift()
    body["label"] = [_row_label(lv, so, pt, "TEAE") if f else ""
                     for lv, so, pt, f in zip(body["level"], body["soc"], body["pt"], first)]
    columns = [Column("label", "System organ class\n" + INDENT + "Preferred term", align="l", width=3.2),
               Column("severity", "Worst severity", align="l")]
    for i, a in enumerate(arms.names):
        span = ctx.arm_header(a, " ")
        columns += [Column(f"n{i}", "n (%)", spanner=span), Column(f"e{i}", "Events", spanner=span, width=0.7)]
    return DisplayTable(
        name="t_ae_soc_pt_severity", title="Treatment-emergent adverse events by system organ class, "
        "preferred term and worst severity", columns=columns, body=body,
        footnotes=["n (%): subjects counted once per row at the worst severity of their events in that row; "
                   "Events: number of events of that severity. Percentages are of the arm's N."],
        data=result)


# --------------------------------------------------------------------------- time after dose

def by_dose_window(result: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """Subjects and events with a TEAE starting within each configured window after a dose, per dose
    number and for any dose, overall and by SOC and PT, from its results model
    (results_ae_dose_window: time after dose from date-times when the AE and the dose start both
    carry a time, else from dates); this adds Fisher's exact p of each active arm vs control where
    the model marks the comparison (some subject in the active or the control arm)."""
    out = result.rename(columns={"window_label": "window"})
    out["p_value"] = _fisher_vs_control(out)
    out["dosenum"] = out["dosenum"].astype("Int64")
    out.insert(0, "study", ctx.study)
    cols = ["study", "window", "window_hours", "window_order", "dosenum", "dose_label", "dose_order", "level", "soc",
            "pt", "row_order", "arm", "armn", "big_n", "n_subjects", "pct", "n_events", "n_events_datetime",
            "p_value"]
    return out[cols].sort_values(["window_order", "dose_order", "row_order", "armn"]).reset_index(drop=True)


def window_rule(result: pd.DataFrame) -> str:
    """The footnote sentence on how time after dose was measured for the events counted."""
    any_dose = result.loc[(result["level"] == "overall") & result["dosenum"].isna()]
    n = int(any_dose["n_events"].sum())
    n_dtm = int(any_dose["n_events_datetime"].sum())
    date_rule = "an event is within a window of H hours when (onset date - dose date) x 24 < H"
    time_rule = ("an event is within a window of H hours when it starts less than H hours after the start of the "
                 "dose (date-times)")
    if n and n_dtm == n:
        return f"Onset and dose start both carry a time of day: {time_rule}."
    if n_dtm:
        return (f"Where the onset and the dose start both carry a time of day, {time_rule}; otherwise (dates only) "
                f"{date_rule}.")
    return f"Onset and dose dates have day precision: {date_rule}."


def display_dose_window(result: pd.DataFrame, ctx: ReportContext) -> DisplayTable:
    """One block per window and dose (dose k, then any dose): the subjects with any TEAE in the window,
    then each system organ class and its preferred terms, in the order of the SOC / PT table."""
    arms = ctx.cfg.arms
    index = ["window_order", "dose_order", "window", "dose_label", "row_order", "level", "soc", "pt"]
    data = result.sort_values(["window_order", "dose_order", "row_order", "armn"])
    body = _arm_cells(data, ctx, index, p_values=True)
    body = body.sort_values(["window_order", "dose_order", "row_order"], kind="stable").reset_index(drop=True)
    body["block"] = [f"{w}, {d.lower() if d.lower().startswith('any') else d}"
                     for w, d in zip(body["window"], body["dose_label"])]
    body["label"] = [_row_label(lv, so, pt, "TEAE in the window") for lv, so, pt in zip(body["level"], body["soc"], body["pt"])]
    columns = [Column("label", "System organ class\n" + INDENT + "Preferred term", align="l", width=3.2)]
    for i, a in enumerate(arms.names):
        span = ctx.arm_header(a, " ")
        columns += [Column(f"n{i}", "n (%)", spanner=span), Column(f"e{i}", "Events", spanner=span, width=0.7)]
    columns += [Column(f"p{j}", f"p-value\n{arms.label_of(a)} vs {arms.label_of(arms.control)}")
                for j, a in enumerate(arms.actives)]
    windows = "; ".join(f"{w.label} = onset less than {w.hours:g} h after the dose" for w in ctx.cfg.dose_windows)
    return DisplayTable(
        name="t_ae_dose_window", title="Treatment-emergent adverse events by time after dose",
        columns=columns, body=body, group="block",
        test="Fisher's exact test (two-sided), each active arm vs control, on subject counts",
        footnotes=[f"Windows: {windows}. {window_rule(result)}",
                   "Dose k: events whose most recent dose started at or before onset is the subject's k-th dose. "
                   "n (%): subjects (percent of the arm's N), counted once per row; Events: number of events.",
                   f"System organ classes alphabetical; preferred terms by descending incidence in {arms.last} "
                   "(the order of the SOC / PT table); only terms with an event in the window are listed."],
        data=result)


# --------------------------------------------------------------------------- risk differences / dot plot

def risk_differences(result: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """Per preferred term and arm, from its results model (results_ae_risk_diff: incidence, and
    `plotted`, the terms of the dot plot selected by the reporting settings): for active arms the
    risk difference vs control with its confidence interval, and Fisher's exact p."""
    cfg = ctx.cfg
    pts = result.copy()
    if pts.empty:
        return pts.assign(study=[], rd=[], rd_lower=[], rd_upper=[], ci_method=[], p_value=[])
    rd = [stats.risk_difference(x, n, c, m, alpha=cfg.alpha, method=cfg.ae_ci_method)
          if a != cfg.arms.control else None
          for a, x, n, c, m in zip(pts["arm"], pts["n_subjects"], pts["big_n"], pts["ctrl_n_subjects"],
                                   pts["ctrl_big_n"])]
    pts["rd"] = [100 * r.difference if r else np.nan for r in rd]
    pts["rd_lower"] = [100 * r.lower if r else np.nan for r in rd]
    pts["rd_upper"] = [100 * r.upper if r else np.nan for r in rd]
    pts["ci_method"] = cfg.ae_ci_method
    pts["p_value"] = _fisher_vs_control(pts)
    pts["plotted"] = pts["plotted"].astype(bool)
    pts.insert(0, "study", ctx.study)
    cols = ["study", "soc", "pt", "arm", "armn", "big_n", "n_subjects", "pct", "rd", "rd_lower", "rd_upper",
            "ci_method", "p_value", "plotted", "row_order"]
    return pts[cols].sort_values(["row_order", "armn"]).reset_index(drop=True)


def display_risk_differences(result: pd.DataFrame, ctx: ReportContext) -> DisplayTable:
    arms = ctx.cfg.arms
    conf = f"{100 * (1 - ctx.cfg.alpha):g}%"
    rows = []
    for _, g in result.loc[result["plotted"]].groupby("row_order", sort=True):
        by = g.set_index("arm")
        row = {"pt": str(g["pt"].iloc[0]), "soc": str(g["soc"].iloc[0])}
        for i, a in enumerate(arms.names):
            row[f"n{i}"] = fmt_n_pct(by.at[a, "n_subjects"], by.at[a, "pct"])
        for j, a in enumerate(arms.actives):
            r = by.loc[a]
            row[f"d{j}"] = f"{r['rd']:.1f} ({r['rd_lower']:.1f}, {r['rd_upper']:.1f})"
            row[f"p{j}"] = fmt_p(r["p_value"], ctx.cfg.alpha)
        rows.append(row)
    columns = [Column("pt", "Preferred term", align="l", width=2.4), Column("soc", "System organ class", align="l", width=2.4)]
    columns += [Column(f"n{i}", ctx.arm_header(a)) for i, a in enumerate(arms.names)]
    for j, a in enumerate(arms.actives):
        span = f"{arms.label_of(a)} vs {arms.label_of(arms.control)}"
        columns += [Column(f"d{j}", f"Risk difference, % ({conf} CI)", spanner=span, width=1.6),
                    Column(f"p{j}", "p-value", spanner=span)]
    body = pd.DataFrame(rows, columns=[c.key for c in columns])
    return DisplayTable(
        name="t_ae_risk_diff", title="Most frequent treatment-emergent adverse events: incidence and risk difference",
        columns=columns, body=body,
        test=f"risk difference CI by the {ctx.cfg.ae_ci_method} method (statsmodels confint_proportions_2indep); "
             "Fisher's exact test (two-sided)",
        footnotes=[f"Preferred terms with incidence of at least {ctx.cfg.ae_plot_min_pct:g}% in some arm "
                   f"(at most {ctx.cfg.ae_plot_max_terms}). Risk difference = active minus control, percentage points."],
        data=result)


def dot_plot(result: pd.DataFrame, ctx: ReportContext) -> FigureOutput:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    arms = ctx.cfg.arms
    data = result.loc[result["plotted"]]
    last = data.loc[data["arm"] == arms.last].set_index("pt")["rd" if arms.last != arms.control else "pct"]
    terms = sorted(data["pt"].unique().tolist(), key=lambda t: (last.get(t, 0), t))
    n = max(len(terms), 1)
    height = max(4.5, 2.6 + 0.3 * n)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, height), sharey=True,
                                      gridspec_kw={"width_ratios": [1, 1]})
    y = {t: i for i, t in enumerate(terms)}
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    markers = ["o", "s", "^", "D", "v", "P"]
    for i, a in enumerate(arms.names):
        d = data.loc[data["arm"] == a]
        left.scatter(d["pct"], [y[t] for t in d["pt"]], color=colours[i % len(colours)],
                     marker=markers[i % len(markers)], label=ctx.arm_header(a, " "), zorder=3)
    offsets = np.linspace(-0.15, 0.15, max(len(arms.actives), 1)) if len(arms.actives) > 1 else [0.0]
    for j, a in enumerate(arms.actives):
        d = data.loc[data["arm"] == a]
        k = arms.names.index(a)
        ys = np.array([y[t] for t in d["pt"]]) + offsets[j]
        right.errorbar(d["rd"], ys, xerr=[d["rd"] - d["rd_lower"], d["rd_upper"] - d["rd"]], fmt=markers[k % len(markers)],
                       color=colours[k % len(colours)], capsize=2, label=f"{arms.label_of(a)} - {arms.label_of(arms.control)}")
    right.axvline(0, color="grey", lw=0.8, ls="--")
    left.set_yticks(range(len(terms)))
    left.set_yticklabels(terms, fontsize=8)
    left.set_xlabel("Incidence (%)")
    right.set_xlabel(f"Risk difference (percentage points) with {100 * (1 - ctx.cfg.alpha):g}% CI")
    left.grid(axis="x", alpha=0.3)
    right.grid(axis="x", alpha=0.3)
    left.legend(fontsize=7, loc="lower right")
    right.legend(fontsize=7, loc="lower right")
    fig.subplots_adjust(left=0.3, right=0.98, top=1 - 1.0 / height, bottom=1.5 / height)
    return FigureOutput(
        name="f_ae_dot_plot", title="Most frequent treatment-emergent adverse events: incidence and risk difference",
        figure=fig,
        footnotes=[f"Terms with incidence of at least {ctx.cfg.ae_plot_min_pct:g}% in some arm, ordered by the "
                   f"risk difference of {arms.last}. CI: {ctx.cfg.ae_ci_method} method."])

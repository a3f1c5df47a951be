"""Adverse-event tables: overview, incidence by system organ class and preferred term (all,
serious, by worst severity), incidence by time after dose, and risk differences for the dot plot.

The SOC / PT incidence tables (all and serious TEAEs) are counted in dbt (results_ae_soc_pt,
results_ae_soc_pt_serious); here they get Fisher's exact p-values and are displayed. The other
tables take treatment-emergent AEs of population subjects (`teae_events`), each with the
subject's analysis arm. A subject counts once per row (overall, SOC or PT); events count every AE.
Percentages are of the arm's N. Fisher's exact test compares each active arm with the control arm.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safety_reports import stats
from safety_reports.data import is_yes, restrict
from safety_reports.model import (Column, DisplayTable, FigureOutput, ReportContext, fmt_int,
                                               fmt_n_pct, fmt_p, n_pct_series, pct, spread)

INDENT = "\u00a0" * 4
NOT_CODED = "Not coded"


def teae_events(ae: pd.DataFrame, pop: pd.DataFrame) -> pd.DataFrame:
    """Treatment-emergent AEs of population subjects, SOC/PT never missing."""
    events = restrict(ae.loc[is_yes(ae["trtemfl"])], pop)
    for col in ("aebodsys", "aedecod"):
        events[col] = events[col].astype("string").fillna(NOT_CODED)
    return events.reset_index(drop=True)


# --------------------------------------------------------------------------- counting helpers

def _counts(events: pd.DataFrame, keys: list[str], ctx: ReportContext) -> pd.DataFrame:
    """Subjects and events per keys x arm, every configured arm present."""
    arms = ctx.cfg.arms.names
    grouped = (events.groupby(keys + ["arm"], dropna=False)
               .agg(n_subjects=("usubjid", "nunique"), n_events=("usubjid", "size"))
               .reset_index())
    if keys:
        index = events[keys].drop_duplicates()
        grid = index.merge(pd.DataFrame({"arm": arms}), how="cross")
    else:
        grid = pd.DataFrame({"arm": arms})
    out = grid.merge(grouped, on=keys + ["arm"], how="left")
    out[["n_subjects", "n_events"]] = out[["n_subjects", "n_events"]].fillna(0).astype(int)
    return out


def _finish(frame: pd.DataFrame, ctx: ReportContext, p_values: bool = True,
            keys: list[str] | None = None) -> pd.DataFrame:
    """Add armn, big N, percent and (per row key) Fisher p of each active arm vs control."""
    arms, big = ctx.cfg.arms, ctx.big_n
    frame = frame.copy()
    frame["armn"] = frame["arm"].map(arms.order_of).astype(int)
    frame["big_n"] = frame["arm"].map(big).astype(int)
    frame["pct"] = [pct(n, b) for n, b in zip(frame["n_subjects"], frame["big_n"])]
    frame["p_value"] = np.nan
    if p_values and not frame.empty:
        keys = keys or []
        control = frame.loc[frame["arm"] == arms.control, keys + ["n_subjects", "big_n"]].rename(
            columns={"n_subjects": "_xc", "big_n": "_nc"})
        if keys:
            merged = frame[keys].merge(control, on=keys, how="left") if len(control) else None
        else:
            merged = pd.DataFrame({"_xc": [control["_xc"].iloc[0]] * len(frame),
                                   "_nc": [control["_nc"].iloc[0]] * len(frame)}) if len(control) else None
        if merged is not None:
            frame["p_value"] = [
                stats.fisher_exact_p(int(x), int(n), int(xc), int(nc))
                if a != arms.control and not pd.isna(xc) else np.nan
                for a, x, n, xc, nc in zip(frame["arm"], frame["n_subjects"], frame["big_n"], merged["_xc"],
                                           merged["_nc"])]
    return frame


# --------------------------------------------------------------------------- overview

def overview(events: pd.DataFrame, pop: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """Subjects (n, %) and events with any TEAE, serious, severe, related, leading to death and
    leading to discontinuation. Discontinuation comes from the AE action taken when the study
    records it, else from the end-of-study reason in dim_subject (subjects only)."""
    cfg = ctx.cfg
    e = events
    sev = pd.to_numeric(e["asevn"], errors="coerce")
    death = is_yes(e["aesdth"]) | (e["aeout"].astype("string").str.upper() == "FATAL").fillna(False)
    categories = [
        ("any", "Any TEAE", pd.Series(True, index=e.index)),
        ("serious", "Serious TEAE", is_yes(e["aeser"])),
        ("severe", f"{cfg.severity_labels.get(cfg.severe_asevn, 'Severe')} TEAE", sev == cfg.severe_asevn),
        ("related", "Related TEAE", is_yes(e["relfl"])),
        ("death", "TEAE leading to death", death),
    ]
    rows = []
    for order, (key, label, mask) in enumerate(categories, start=1):
        c = _counts(e.loc[mask.to_numpy()], [], ctx)
        c["category"], c["label"], c["category_order"], c["source"] = key, label, order, "AE"
        rows.append(c)
    action = e["aeacn"].astype("string").str.upper() if "aeacn" in e.columns else pd.Series(dtype="string")
    if action.fillna("").str.strip().ne("").any():
        c = _counts(e.loc[(action == cfg.ae_discontinuation_action.upper()).fillna(False).to_numpy()], [], ctx)
        c["source"] = "AE"
    else:
        reason = pop["dcsreas"].astype("string").str.upper() == cfg.ae_discontinuation_reason.upper()
        subjects = pop.loc[reason.fillna(False).to_numpy()]
        c = pd.DataFrame({"arm": cfg.arms.names})
        c["n_subjects"] = c["arm"].map(subjects.groupby("arm")["usubjid"].nunique()).fillna(0).astype(int)
        c["n_events"] = pd.NA
        c["source"] = "DS"
    c["category"], c["label"], c["category_order"] = "discontinuation", "TEAE leading to discontinuation", len(categories) + 1
    rows.append(c)
    out = _finish(pd.concat(rows, ignore_index=True), ctx, keys=["category"])
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


# --------------------------------------------------------------------------- SOC / PT


def soc_pt(result: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """The SOC / PT incidence table (14-5.01, 14-5.02) from its dbt results model: rows, counts,
    percentages and row order come from the model; this adds Fisher's exact p-value of each
    active arm vs control on subject counts, only where the model marks the comparison
    (`compare_to_control`: some subject in the active or the control arm), else NULL."""
    out = result.copy()
    out["p_value"] = [
        stats.fisher_exact_p(int(x), int(n), int(xc), int(nc)) if bool(cmp) else np.nan
        for x, n, xc, nc, cmp in zip(out["n_subjects"], out["big_n"], out["ctrl_n_subjects"], out["ctrl_big_n"],
                                     out["compare_to_control"])]
    out.insert(0, "study", ctx.study)
    cols = ["study", "level", "soc", "pt", "arm", "armn", "big_n", "n_subjects", "pct", "n_events", "p_value",
            "row_order"]
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
                   f"* p-value below the study significance level ({ctx.cfg.alpha:g})."],
        data=result)


def soc_pt_severity(events: pd.DataFrame, ctx: ReportContext, soc_pt_result: pd.DataFrame) -> pd.DataFrame:
    """Subjects by their worst severity within each row (overall, SOC, PT) and events by severity;
    rows in the order of the SOC / PT table (`soc_pt_result`: its results model)."""
    cfg = ctx.cfg
    e = events.copy()
    e["sevn"] = pd.to_numeric(e["asevn"], errors="coerce").fillna(0).astype(int)
    labels = dict(cfg.severity_labels)
    for n, lab in e.groupby("sevn")["aesev"].agg(lambda s: s.dropna().astype(str).str.title().mode().iloc[0]
                                                if s.notna().any() else "Missing").items():
        labels.setdefault(int(n), lab)
    labels[0] = "Missing"
    levels = sorted(set(labels) & (set(e["sevn"]) | {n for n in cfg.severity_labels}))
    order = soc_pt_result[["level", "soc", "pt", "row_order"]].drop_duplicates()
    parts = []
    for level, keys in (("overall", []), ("soc", ["aebodsys"]), ("pt", ["aebodsys", "aedecod"])):
        worst = e.groupby(keys + ["usubjid", "arm"], dropna=False)["sevn"].max().rename("worst").reset_index()
        subj = worst.groupby(keys + ["arm", "worst"]).size().rename("n_subjects").reset_index()
        evts = e.groupby(keys + ["arm", "sevn"]).size().rename("n_events").reset_index()
        index = e[keys].drop_duplicates() if keys else pd.DataFrame(index=[0])
        grid = index.merge(pd.DataFrame({"arm": cfg.arms.names}), how="cross").merge(
            pd.DataFrame({"sevn": levels}), how="cross")
        g = grid.merge(subj.rename(columns={"worst": "sevn"}), on=keys + ["arm", "sevn"], how="left")
        g = g.merge(evts, on=keys + ["arm", "sevn"], how="left")
        g[["n_subjects", "n_events"]] = g[["n_subjects", "n_events"]].fillna(0).astype(int)
        g["level"] = level
        for k in ("aebodsys", "aedecod"):
            if k not in g.columns:
                g[k] = None
        parts.append(g)
    out = pd.concat(parts, ignore_index=True).rename(columns={"aebodsys": "soc", "aedecod": "pt"})
    # severity rows empty in every arm are left out, except on the overall row
    keep = out.groupby(["level", "soc", "pt", "sevn"], dropna=False)["n_subjects"].transform("sum") > 0
    out = out.loc[keep | ((out["level"] == "overall") & out["sevn"].isin(list(cfg.severity_labels)))]
    out = out.merge(order, on=["level", "soc", "pt"], how="left")
    out = _finish(out, ctx, p_values=False)
    out["severity"] = out["sevn"].map(labels)
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

def by_dose_window(events: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """Subjects and events with a TEAE starting within each configured window after a dose, per
    dose number and for any dose. Onset dates have day precision: an AE is within a window of H
    hours when (onset date - date of the dose) x 24 < H."""
    e = events.copy()
    e["days"] = pd.to_numeric(e["days_since_dose"], errors="coerce")
    e["dose"] = pd.to_numeric(e["dosenum"], errors="coerce")
    doses = sorted(int(d) for d in e["dose"].dropna().unique())
    parts = []
    for wi, w in enumerate(ctx.cfg.dose_windows, start=1):
        within = e.loc[(e["days"] >= 0) & (e["days"] * 24 < w.hours) & e["dose"].notna()]
        for di, dose in enumerate(doses + [None], start=1):
            sel = within if dose is None else within.loc[within["dose"] == dose]
            c = _counts(sel, [], ctx)
            c["window"], c["window_hours"], c["window_order"] = w.label, w.hours, wi
            c["dosenum"] = dose
            c["dose_label"] = "Any dose" if dose is None else f"Dose {dose}"
            c["dose_order"] = di
            parts.append(c)
    out = _finish(pd.concat(parts, ignore_index=True), ctx, p_values=False) if parts else pd.DataFrame()
    out["dosenum"] = out["dosenum"].astype("Int64")
    out = out.drop(columns=["p_value"])
    out.insert(0, "study", ctx.study)
    cols = ["study", "window", "window_hours", "window_order", "dosenum", "dose_label", "dose_order", "arm",
            "armn", "big_n", "n_subjects", "pct", "n_events"]
    return out[cols].sort_values(["window_order", "dose_order", "armn"]).reset_index(drop=True)


def display_dose_window(result: pd.DataFrame, ctx: ReportContext) -> DisplayTable:
    arms = ctx.cfg.arms
    rows = []
    for (_, window, _, dose), g in result.groupby(["window_order", "window", "dose_order", "dose_label"], sort=True):
        by = g.set_index("arm")
        row = {"window": window, "dose": dose}
        for i, a in enumerate(arms.names):
            row[f"n{i}"] = fmt_n_pct(by.at[a, "n_subjects"], by.at[a, "pct"])
            row[f"e{i}"] = fmt_int(by.at[a, "n_events"])
        rows.append(row)
    columns = [Column("dose", "Dose", align="l", width=1.5)]
    for i, a in enumerate(arms.names):
        span = ctx.arm_header(a, " ")
        columns += [Column(f"n{i}", "n (%)", spanner=span), Column(f"e{i}", "Events", spanner=span, width=0.7)]
    windows = "; ".join(f"{w.label} = onset less than {w.hours:g} h after the dose" for w in ctx.cfg.dose_windows)
    return DisplayTable(
        name="t_ae_dose_window", title="Treatment-emergent adverse events by time after dose",
        columns=columns, body=pd.DataFrame(rows), group="window",
        footnotes=[f"Windows: {windows}. Onset and dose dates have day precision: an event is within a window "
                   "of H hours when (onset date - dose date) x 24 < H.",
                   "Dose k: events whose most recent dose before onset is the subject's k-th dose. "
                   "n (%): subjects (percent of the arm's N); Events: number of events."],
        data=result)


# --------------------------------------------------------------------------- risk differences / dot plot

def risk_differences(soc_pt_result: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """Per preferred term and arm: incidence, and for active arms the risk difference vs control
    with its confidence interval; `plotted` marks the terms of the dot plot (incidence at least
    ae_plot_min_pct in some arm, at most ae_plot_max_terms terms, the most frequent first)."""
    cfg = ctx.cfg
    pts = soc_pt_result.loc[soc_pt_result["level"] == "pt"].copy()
    if pts.empty:
        return pts.assign(rd=[], rd_lower=[], rd_upper=[], ci_method=[], plotted=[])
    control = pts.loc[pts["arm"] == cfg.arms.control, ["soc", "pt", "n_subjects", "big_n"]].rename(
        columns={"n_subjects": "xc", "big_n": "nc"})
    pts = pts.merge(control, on=["soc", "pt"], how="left")
    rd = [stats.risk_difference(x, n, c, m, alpha=cfg.alpha, method=cfg.ae_ci_method)
          if a != cfg.arms.control else None
          for a, x, n, c, m in zip(pts["arm"], pts["n_subjects"], pts["big_n"], pts["xc"], pts["nc"])]
    pts["rd"] = [100 * r.difference if r else np.nan for r in rd]
    pts["rd_lower"] = [100 * r.lower if r else np.nan for r in rd]
    pts["rd_upper"] = [100 * r.upper if r else np.nan for r in rd]
    pts["ci_method"] = cfg.ae_ci_method
    peak = pts.groupby(["soc", "pt"])["pct"].max().rename("max_pct").reset_index()
    chosen = peak.loc[peak["max_pct"] >= cfg.ae_plot_min_pct].sort_values(
        ["max_pct", "pt"], ascending=[False, True]).head(cfg.ae_plot_max_terms)
    chosen_keys = set(zip(chosen["soc"], chosen["pt"]))
    pts["plotted"] = [(s, p) in chosen_keys for s, p in zip(pts["soc"], pts["pt"])]
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

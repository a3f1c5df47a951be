"""Drug-induced liver injury screen by arm and the eDISH plot (peak ALT versus peak total
bilirubin, both as multiples of the upper limit of normal, log axes).

The subjects meeting each criterion, the evaluable subjects and the labels come from the dbt
results model results_liver_injury (which counts the flags of mart_liver_injury); here each active
arm gets Fisher's exact test against control, and the table and the plot are drawn. The plot reads
the peak ratios, the mart's Hy's law flag and the factors the mart applied."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safety_reports import stats
from safety_reports.data import is_yes, restrict
from safety_reports.model import Column, DisplayTable, FigureOutput, ReportContext, fmt_n_pct, fmt_p

EDISH_COLUMNS = ("usubjid", "peak_alt_r2uln", "peak_bili_r2uln", "hyslaw_fl", "liver_transaminase_factor",
                 "liver_bilirubin_factor")


def screen(result: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """The screen from its results model, with Fisher's exact test of each active arm vs control
    (where the model marks the comparison, `compare_to_control`)."""
    out = result.copy()
    out["p_value"] = [
        stats.fisher_exact_p(int(x), int(n), int(xc), int(nc)) if bool(cmp) else np.nan
        for x, n, xc, nc, cmp in zip(out["n_subjects"], out["n_evaluable"], out["ctrl_n_subjects"],
                                     out["ctrl_n_evaluable"], out["compare_to_control"])]
    out.insert(0, "study", ctx.study)
    cols = ["study", "criterion", "label", "criterion_order", "arm", "armn", "big_n", "n_evaluable", "n_subjects",
            "pct", "p_value"]
    return out[cols].sort_values(["criterion_order", "armn"]).reset_index(drop=True)


def display(result: pd.DataFrame, ctx: ReportContext) -> DisplayTable:
    arms = ctx.cfg.arms
    rows = []
    for (_, label), g in result.groupby(["criterion_order", "label"], sort=True):
        by = g.set_index("arm")
        row = {"label": label}
        for i, a in enumerate(arms.names):
            row[f"a{i}"] = f"{fmt_n_pct(by.at[a, 'n_subjects'], by.at[a, 'pct'])} / {int(by.at[a, 'n_evaluable'])}"
        for j, a in enumerate(arms.actives):
            row[f"p{j}"] = fmt_p(by.at[a, "p_value"], ctx.cfg.alpha)
        rows.append(row)
    columns = [Column("label", "Criterion (peak post-baseline value)", align="l", width=3.5)]
    columns += [Column(f"a{i}", ctx.arm_header(a) + "\nn (%) / evaluable", width=1.5) for i, a in enumerate(arms.names)]
    columns += [Column(f"p{j}", f"p-value\n{arms.label_of(a)} vs {arms.label_of(arms.control)}")
                for j, a in enumerate(arms.actives)]
    return DisplayTable(
        name="t_liver_injury", title="Liver-injury screen: subjects with elevated liver tests", columns=columns,
        body=pd.DataFrame(rows), test="Fisher's exact test (two-sided), each active arm vs control",
        footnotes=["ULN: upper limit of normal. Peak: highest post-baseline value as a multiple of ULN. Evaluable: "
                   "subjects with the post-baseline values the criterion needs."],
        data=result)


def edish(liver: pd.DataFrame, pop: pd.DataFrame, ctx: ReportContext) -> FigureOutput:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cfg = ctx.cfg
    data = restrict(liver, pop)
    x = pd.to_numeric(data["peak_alt_r2uln"], errors="coerce")
    y = pd.to_numeric(data["peak_bili_r2uln"], errors="coerce")
    ok = (x > 0) & (y > 0)
    hyslaw = is_yes(data["hyslaw_fl"])
    fig, ax = plt.subplots(figsize=(7.5, 6.8))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    markers = ["o", "s", "^", "D", "v", "P"]
    for i, a in enumerate(cfg.arms.names):
        m = ok & (data["arm"] == a)
        ax.scatter(x[m], y[m], s=18, alpha=0.75, color=colours[i % len(colours)], marker=markers[i % len(markers)],
                   label=f"{ctx.arm_header(a, ' ')}: {int(m.sum())} plotted, {int((m & hyslaw).sum())} potential "
                         "Hy's law", edgecolors=np.where(hyslaw[m], "black", "none"), linewidths=0.8)
    tf, bf = _factor(data, "liver_transaminase_factor", cfg.transaminase_factor), _factor(
        data, "liver_bilirubin_factor", cfg.bilirubin_factor)
    ax.set_xscale("log")
    ax.set_yscale("log")
    lo = min(0.1, float(x[ok].min()) if ok.any() else 0.1, float(y[ok].min()) if ok.any() else 0.1)
    hi = max(10.0, float(x[ok].max()) * 1.5 if ok.any() else 10, float(y[ok].max()) * 1.5 if ok.any() else 10)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.axvline(tf, color="firebrick", ls="--", lw=1)
    ax.axhline(bf, color="firebrick", ls="--", lw=1)
    kw = dict(fontsize=8, color="firebrick", alpha=0.8)
    ax.text(hi / 1.1, hi / 1.1, "Potential Hy's law", ha="right", va="top", **kw)
    ax.text(lo * 1.1, hi / 1.1, "Hyperbilirubinaemia", ha="left", va="top", **kw)
    ax.text(hi / 1.1, lo * 1.1, "Temple's corollary", ha="right", va="bottom", **kw)
    ax.set_xlabel(f"Peak {cfg.alt_testcd} (x ULN)")
    ax.set_ylabel(f"Peak total bilirubin ({cfg.bili_testcd}, x ULN)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0.0, 0.93))
    ax.grid(alpha=0.3, which="both")
    fig.subplots_adjust(top=0.86, bottom=0.2)
    return FigureOutput(
        name="f_edish", title="eDISH: peak ALT vs peak total bilirubin (multiples of ULN)", figure=fig,
        footnotes=[f"Reference lines at {tf:g} x ULN ({cfg.alt_testcd}) and {bf:g} x ULN (bilirubin). Each point is one "
                   "subject's highest post-baseline values; subjects missing either value are not plotted; outlined: "
                   "potential Hy's law (the screen's flag, ALT or AST and bilirubin)."])


def _factor(liver: pd.DataFrame, column: str, configured: float) -> float:
    """The factor the mart applied (one per study), for the reference lines."""
    values = pd.to_numeric(liver[column], errors="coerce").dropna()
    return float(values.iloc[0]) if len(values) else float(configured)

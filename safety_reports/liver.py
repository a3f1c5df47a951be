"""Drug-induced liver injury screen by arm from `mart_liver_injury`, and the eDISH plot (peak ALT
versus peak total bilirubin, both as multiples of the upper limit of normal, log axes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safety_reports import stats
from safety_reports.data import is_yes, restrict
from safety_reports.model import Column, DisplayTable, FigureOutput, ReportContext, fmt_n_pct, fmt_p, pct


def _criteria(liver: pd.DataFrame, ctx: ReportContext) -> list[tuple[str, str, pd.Series, pd.Series]]:
    """(key, label, met, evaluable) per criterion."""
    cfg = ctx.cfg
    tf, bf = cfg.transaminase_factor, cfg.bilirubin_factor
    alt = pd.to_numeric(liver["peak_alt_r2uln"], errors="coerce")
    ast = pd.to_numeric(liver["peak_ast_r2uln"], errors="coerce")
    bili = pd.to_numeric(liver["peak_bili_r2uln"], errors="coerce")
    return [
        ("alt", f"{cfg.alt_testcd} > {tf:g} x ULN", alt > tf, alt.notna()),
        ("ast", f"{cfg.ast_testcd} > {tf:g} x ULN", ast > tf, ast.notna()),
        ("altast", f"{cfg.alt_testcd} or {cfg.ast_testcd} > {tf:g} x ULN", is_yes(liver["altast_gt3uln"]),
         alt.notna() | ast.notna()),
        ("bili", f"Total bilirubin ({cfg.bili_testcd}) > {bf:g} x ULN", is_yes(liver["bili_gt2uln"]), bili.notna()),
        ("hyslaw", f"Potential Hy's law ({cfg.alt_testcd} or {cfg.ast_testcd} > {tf:g} x ULN and "
                   f"{cfg.bili_testcd} > {bf:g} x ULN)", is_yes(liver["hyslaw_fl"]),
         (alt.notna() | ast.notna()) & bili.notna()),
    ]


def screen(liver: pd.DataFrame, pop: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """Subjects meeting each criterion per arm, of the subjects with the values needed to judge it;
    Fisher's exact test of each active arm vs control."""
    cfg = ctx.cfg
    data = restrict(liver, pop)
    rows = []
    for order, (key, label, met, evaluable) in enumerate(_criteria(data, ctx), start=1):
        frame = pd.DataFrame({"arm": data["arm"], "met": met.fillna(False).astype(bool), "ev": evaluable.astype(bool)})
        for a in cfg.arms.names:
            f = frame.loc[frame["arm"] == a]
            rows.append(dict(criterion=key, label=label, criterion_order=order, arm=a, armn=cfg.arms.order_of(a),
                             big_n=ctx.big_n.get(a, 0), n_evaluable=int(f["ev"].sum()),
                             n_subjects=int((f["met"] & f["ev"]).sum())))
    out = pd.DataFrame(rows)
    out["pct"] = [pct(n, d) for n, d in zip(out["n_subjects"], out["n_evaluable"])]
    out["p_value"] = np.nan
    for _, g in out.groupby("criterion"):
        c = g.loc[g["arm"] == cfg.arms.control].iloc[0]
        for idx, r in g.loc[g["arm"] != cfg.arms.control].iterrows():
            out.at[idx, "p_value"] = stats.fisher_exact_p(r["n_subjects"], r["n_evaluable"], c["n_subjects"], c["n_evaluable"])
    out.insert(0, "study", ctx.study)
    return out.sort_values(["criterion_order", "armn"]).reset_index(drop=True)


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
    fig, ax = plt.subplots(figsize=(7.5, 6.8))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    markers = ["o", "s", "^", "D", "v", "P"]
    for i, a in enumerate(cfg.arms.names):
        m = ok & (data["arm"] == a)
        ax.scatter(x[m], y[m], s=18, alpha=0.75, color=colours[i % len(colours)], marker=markers[i % len(markers)],
                   label=f"{ctx.arm_header(a, ' ')}: {int(m.sum())} plotted", edgecolors="none")
    tf, bf = cfg.transaminase_factor, cfg.bilirubin_factor
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
                   "subject's highest post-baseline values; subjects missing either value are not plotted."])

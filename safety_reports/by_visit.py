"""Lab and vital-sign values and changes from baseline by analysis visit and arm (pilot tables
14-6.01 and 14-7.01), the active-vs-control test at each post-baseline visit, and the mean (+/- SE)
figures.

Records: population subjects, parameters in the by-visit summaries (summfl = 'Y'), records with
an analysis visit (and flagged for analysis, anl01fl = 'Y', when the mart flags any). n counts
every record at the visit, including records whose value is missing; the other statistics use
the non-missing values. The baseline visit is the analysis visit of the records flagged as
baseline (ablfl = 'Y'); every later visit is compared between each active arm and control with
the study's test (settings.lab_test / settings.vs_test) on change from baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from safety_reports import stats
from safety_reports.config import TESTS
from safety_reports.data import is_yes, restrict
from safety_reports.model import Column, DisplayTable, FigureOutput, ReportContext, fmt_num, fmt_p

TEST_NAMES = {"ancova": "ANCOVA", "welch": "Welch t-test", "wilcoxon": "Wilcoxon rank-sum"}


@dataclass(frozen=True)
class Domain:
    code: str                  # LB | VS
    table: str                 # reports table / file stem
    title: str
    noun: str                  # "laboratory" | "vital sign"
    keys: tuple[str, ...]      # parameter keys in the tidy result
    figure_prefix: str


LAB = Domain("LB", "t_lab_by_visit", "Laboratory values and change from baseline by visit", "laboratory",
             ("parcat1", "paramcd", "param"), "f_lab")
VITALS = Domain("VS", "t_vs_by_visit", "Vital signs and change from baseline by visit and timepoint", "vital sign",
                ("parcat1", "paramcd", "param", "timepointn", "timepoint"), "f_vs")


def analysis_records(frame: pd.DataFrame, pop: pd.DataFrame, domain: Domain) -> pd.DataFrame:
    """Records summarised by visit, with `arm`, `visit`, `visitn` (and `timepoint(n)` for VS)."""
    r = restrict(frame, pop)
    keep = is_yes(r["summfl"]) & r["avisit"].notna()
    if "anl01fl" in r.columns and is_yes(r["anl01fl"]).any():
        keep &= is_yes(r["anl01fl"])
    r = r.loc[keep.to_numpy()].copy()
    r["visit"] = r["avisit"].astype(str)
    r["visitn"] = pd.to_numeric(r["avisitn"], errors="coerce")
    r["aval"] = pd.to_numeric(r["aval"], errors="coerce")
    r["chg"] = pd.to_numeric(r["chg"], errors="coerce")
    r["base"] = pd.to_numeric(r["base"], errors="coerce")
    if "parcat1" not in r.columns:
        r["parcat1"] = domain.noun.upper()
    r["parcat1"] = r["parcat1"].astype("string").fillna("")
    if "timepoint" in domain.keys:
        r["timepoint"] = r["atpt"].astype("string").fillna("") if "atpt" in r.columns else ""
        r["timepointn"] = pd.to_numeric(r["atptn"], errors="coerce").fillna(0) if "atptn" in r.columns else 0
    return r.reset_index(drop=True)


def baseline_visitn(records: pd.DataFrame) -> float:
    flagged = records.loc[is_yes(records["ablfl"]), "visitn"] if "ablfl" in records.columns else pd.Series(dtype=float)
    if flagged.notna().any():
        return float(flagged.mode().iloc[0])
    return float(records["visitn"].min())


def decimals_of(values: pd.Series, cap: int = 3) -> int:
    """Decimal places the values are recorded with (the most any value needs, at most `cap`)."""
    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if v.size == 0:
        return 0
    for d in range(cap + 1):
        if np.all(np.abs(np.round(v, d) - v) < 1e-9 * np.maximum(1.0, np.abs(v))):
            return d
    return cap


def compute(records: pd.DataFrame, ctx: ReportContext, domain: Domain, test: str) -> pd.DataFrame:
    """Tidy summary: one row per parameter (x timepoint) x visit x arm."""
    cfg = ctx.cfg
    arms = cfg.arms
    keys = list(domain.keys)
    base_n = baseline_visitn(records) if not records.empty else 0.0
    group_keys = keys + ["visitn", "visit", "arm", "armn"]
    g = records.groupby(group_keys, dropna=False, sort=True)
    summary = g.agg(
        n=("aval", "size"), n_obs=("aval", "count"), mean=("aval", "mean"), sd=("aval", "std"),
        median=("aval", "median"), min=("aval", "min"), max=("aval", "max"),
        chg_n_obs=("chg", "count"), chg_mean=("chg", "mean"), chg_sd=("chg", "std"),
        chg_median=("chg", "median"), chg_min=("chg", "min"), chg_max=("chg", "max"),
    ).reset_index()
    post = summary["visitn"] > base_n
    summary["visit_type"] = np.where(post, "post-baseline", np.where(summary["visitn"] == base_n, "baseline", "pre-baseline"))
    summary["chg_n"] = summary["n"].where(post).astype("Int64")
    for c in ("chg_n_obs", "chg_mean", "chg_sd", "chg_median", "chg_min", "chg_max"):
        summary[c] = summary[c].where(post)
    summary["chg_n_obs"] = summary["chg_n_obs"].astype("Int64")
    summary["se"] = summary["sd"] / np.sqrt(summary["n_obs"].where(summary["n_obs"] > 0))
    summary["chg_se"] = summary["chg_sd"] / np.sqrt(summary["chg_n_obs"].astype(float).where(summary["chg_n_obs"] > 0))

    # active vs control at each post-baseline visit
    results = []
    post_records = records.loc[records["visitn"] > base_n, keys + ["visitn", "arm", "chg", "base"]]
    for key, grp in post_records.groupby(keys + ["visitn"], dropna=False, sort=True):
        arm = grp["arm"].to_numpy()
        chg = grp["chg"].to_numpy(dtype=float)
        base = grp["base"].to_numpy(dtype=float)
        c = arm == arms.control
        for active in arms.actives:
            a = arm == active
            comp = stats.compare_arrays(test, chg[a], base[a], chg[c], base[c])
            results.append((*key, active, comp.estimate, comp.p_value))
    tests = pd.DataFrame(results, columns=keys + ["visitn", "arm", "estimate", "p_value"])
    out = summary.merge(tests, on=keys + ["visitn", "arm"], how="left") if not tests.empty else summary.assign(
        estimate=np.nan, p_value=np.nan)
    out["test"] = np.where(out["p_value"].notna() | ((out["visit_type"] == "post-baseline") & (out["arm"] != arms.control)),
                           TEST_NAMES[test], None)
    out["alpha"] = cfg.alpha
    out["flag"] = (out["p_value"] < cfg.alpha).fillna(False).astype(bool)
    by_param = records.groupby(["parcat1", "paramcd", "param"], dropna=False)
    dec = by_param["aval"].apply(decimals_of).rename("decimals")
    unit = (by_param["avalu"].agg(lambda u: u.dropna().astype(str).mode().iloc[0] if u.notna().any() else None)
            .rename("avalu") if "avalu" in records.columns else dec.map(lambda _: None).rename("avalu"))
    out = out.merge(pd.concat([dec, unit], axis=1).reset_index(), on=["parcat1", "paramcd", "param"], how="left")
    out.insert(0, "study", ctx.study)
    cols = (["study"] + keys + ["avalu", "visitn", "visit", "visit_type", "arm", "armn", "n", "n_obs", "mean", "sd", "se",
                                "median", "min", "max", "chg_n", "chg_n_obs", "chg_mean", "chg_sd", "chg_se",
                                "chg_median", "chg_min", "chg_max", "estimate", "p_value", "test", "flag", "alpha",
                                "decimals"])
    order = [k for k in keys if k not in ("param", "timepoint")] + ["visitn", "armn"]
    return out[cols].sort_values(order).reset_index(drop=True)


def display(result: pd.DataFrame, ctx: ReportContext, domain: Domain, test: str) -> DisplayTable:
    arms = ctx.cfg.arms
    rows = []
    timepoint = "timepoint" in domain.keys
    sort = [k for k in domain.keys if k not in ("param", "timepoint")] + ["visitn", "armn"]
    for _, r in result.sort_values(sort).iterrows():
        d = int(r["decimals"]) if not pd.isna(r["decimals"]) else 1
        group = _param_label(r["param"], r["avalu"]) + (f" - {r['timepoint']}" if timepoint and r["timepoint"] else "")
        post = r["visit_type"] == "post-baseline"
        rows.append({
            "group": group, "visit": r["visit"], "arm": arms.label_of(r["arm"]),
            "n": str(int(r["n"])), "mean_sd": _mean_sd(r["mean"], r["sd"], d), "median": fmt_num(r["median"], d + 1),
            "range": _range(r["min"], r["max"], d),
            "cn": str(int(r["chg_n"])) if post and not pd.isna(r["chg_n"]) else "",
            "cmean_sd": _mean_sd(r["chg_mean"], r["chg_sd"], d) if post else "",
            "cmedian": fmt_num(r["chg_median"], d + 1) if post else "",
            "crange": _range(r["chg_min"], r["chg_max"], d) if post else "",
            "p": fmt_p(r["p_value"], ctx.cfg.alpha),
        })
    body = pd.DataFrame(rows, columns=["group", "visit", "arm", "n", "mean_sd", "median", "range", "cn", "cmean_sd",
                                       "cmedian", "crange", "p"])
    if not body.empty:  # show a visit label once per block of arms
        repeat = (body["group"] == body["group"].shift()) & (body["visit"] == body["visit"].shift())
        body.loc[repeat, "visit"] = ""
    columns = [Column("visit", "Visit", align="l", width=1.4), Column("arm", "Arm", align="l", width=1.2),
               Column("n", "n", spanner="Value", width=0.5), Column("mean_sd", "Mean (SD)", spanner="Value", width=1.3),
               Column("median", "Median", spanner="Value", width=0.9), Column("range", "Min, Max", spanner="Value", width=1.3),
               Column("cn", "n", spanner="Change from baseline", width=0.5),
               Column("cmean_sd", "Mean (SD)", spanner="Change from baseline", width=1.3),
               Column("cmedian", "Median", spanner="Change from baseline", width=0.9),
               Column("crange", "Min, Max", spanner="Change from baseline", width=1.3),
               Column("p", f"p-value vs {arms.label_of(arms.control)}", width=1.0)]
    arm_list = "; ".join(f"{a.label} = {a.name} (N={ctx.big_n.get(a.name, 0)})" for a in arms.arms)
    return DisplayTable(
        name=domain.table, title=domain.title, columns=columns, body=body, group="group",
        test=TESTS[test],
        footnotes=[f"Arms: {arm_list}.",
                   "n: records at the visit, including records with a missing value; mean, SD, median, min and "
                   "max use the non-missing values.",
                   f"* p-value below the study significance level ({ctx.cfg.alpha:g})."],
        data=result)


def _param_label(param, unit) -> str:
    """The parameter with its unit, unless the label already carries it."""
    text = str(param)
    if unit is None or pd.isna(unit) or not str(unit).strip() or f"({unit})" in text:
        return text
    return f"{text} ({unit})"


def _mean_sd(mean, sd, d: int) -> str:
    if pd.isna(mean):
        return ""
    return f"{fmt_num(mean, d + 1)} ({fmt_num(sd, d + 2)})" if not pd.isna(sd) else fmt_num(mean, d + 1)


def _range(lo, hi, d: int) -> str:
    if pd.isna(lo):
        return ""
    return f"{fmt_num(lo, d)}, {fmt_num(hi, d)}"


def mean_figures(result: pd.DataFrame, ctx: ReportContext, domain: Domain) -> list[FigureOutput]:
    """Two grid figures (value; change from baseline): one panel per parameter (x timepoint),
    mean +/- SE by visit, one line per arm."""
    return [_grid(result, ctx, domain, change=False), _grid(result, ctx, domain, change=True)]


def _grid(result: pd.DataFrame, ctx: ReportContext, domain: Domain, change: bool) -> FigureOutput:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    arms = ctx.cfg.arms
    panel_keys = [k for k in domain.keys if k not in ("param", "timepoint")]
    mean, se = ("chg_mean", "chg_se") if change else ("mean", "se")
    data = result if not change else result.loc[result["visit_type"] == "post-baseline"]
    panels = data[list(domain.keys)].drop_duplicates().sort_values(panel_keys)
    visits = data[["visitn", "visit"]].drop_duplicates().sort_values("visitn")
    xpos = {v: i for i, v in enumerate(visits["visitn"])}
    n = max(len(panels), 1)
    ncols = min(6, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.1 * ncols, 2.3 * nrows + 1.6), squeeze=False, sharex=True)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    offsets = np.linspace(-0.12, 0.12, len(arms.names)) if len(arms.names) > 1 else [0.0]
    by_panel = {k: g for k, g in data.groupby(list(domain.keys), dropna=False, sort=False)}
    for ax, panel in zip(axes.flat, panels.itertuples(index=False)):
        key = tuple(panel)
        g = by_panel.get(key, data.iloc[0:0])
        for i, a in enumerate(arms.names):
            d = g.loc[g["arm"] == a].sort_values("visitn")
            if d.empty:
                continue
            x = np.array([xpos[v] for v in d["visitn"]]) + offsets[i]
            m, e = d[mean].to_numpy(dtype=float), d[se].fillna(0).to_numpy(dtype=float)
            colour = colours[i % len(colours)]
            ax.vlines(x, m - e, m + e, color=colour, lw=0.8)
            ax.plot(x, m, marker="o", ms=3, lw=1, color=colour, label=arms.label_of(a))
        if change:
            ax.axhline(0, color="grey", lw=0.6, ls=":")
        title = str(panel[domain.keys.index("param")])
        units = g["avalu"].dropna() if "avalu" in g.columns else []
        if len(units):
            title = _param_label(title, units.iloc[0])
        if "timepoint" in domain.keys and panel[domain.keys.index("timepoint")]:
            title += f"\n{panel[domain.keys.index('timepoint')]}".lower()
        ax.set_title(title, fontsize=8)
        ax.tick_params(axis="y", labelsize=6, length=2)
        ax.yaxis.set_major_locator(MaxNLocator(4))
    axes.flat[0].set_xticks(range(len(visits)))
    axes.flat[0].set_xticklabels([_short_visit(v) for v in visits["visit"]])
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.set_visible(False)
        elif i + ncols >= n:  # lowest visible panel of its column
            ax.tick_params(axis="x", labelbottom=True, labelsize=6, labelrotation=60)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", fontsize=8, ncols=len(arms.names))
    height = 2.3 * nrows + 1.6
    fig.subplots_adjust(top=1 - 0.85 / height, bottom=0.9 / height + 0.02, hspace=0.45, wspace=0.3, left=0.04, right=0.99)
    what = "change from baseline" if change else "value"
    return FigureOutput(
        name=f"{domain.figure_prefix}_mean_{'change' if change else 'value'}",
        title=f"Mean (+/- SE) {domain.noun} {what} by visit and arm",
        figure=fig, footnotes=["Points: mean of the non-missing values; error bars: standard error of the mean."])


def _short_visit(label: str) -> str:
    words = str(label).split()
    if len(words) == 2 and words[1].isdigit():
        return f"{words[0][0]}{words[1]}"
    if len(words) > 1:
        return "".join(w[0].upper() for w in words)
    return str(label)


def build(s, domain: Domain, mart: str, test: str) -> None:
    """The by-visit table and its mean figures for one domain, recorded on the report session."""
    records = analysis_records(s.marts[mart], s.pop, domain)
    result = compute(records, s.ctx, domain, test)
    s.table(display(result, s.ctx, domain, test), result)
    for fig in mean_figures(result, s.ctx, domain):
        s.figure(fig)

"""Lab and vital-sign values and changes from baseline by analysis visit and arm (pilot tables
14-6.01 and 14-7.01), the active-vs-control test at each post-baseline visit, and the mean (+/- SE)
figures.

The counts and descriptive statistics, the visit classes, units and display decimals come from the
dbt results models (results_lab_by_visit, results_vs_by_visit). Here each post-baseline visit gets
the study's test (settings.lab_test / settings.vs_test) of each active arm against control on change
from baseline, on the mart's post-baseline analysis records (postblfl 'Y') of the summarised
parameters, and the result is displayed and plotted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from safety_reports import stats
from safety_reports.config import TESTS, describe_tests
from safety_reports.data import restrict
from safety_reports.model import Column, DisplayTable, FigureOutput, ReportContext, fmt_num, fmt_p

# what `flag` is based on (settings.findings_p)
P_BASIS = {"raw": "raw p, no adjustment for multiplicity",
           "fdr": "Benjamini-Hochberg FDR-adjusted p within each parameter category"}
TEST_NAMES = {"ancova": "ANCOVA", "welch": "Welch t-test", "wilcoxon": "Wilcoxon rank-sum"}

# the records the test compares: post-baseline analysis records of the summarised parameters
COMPARED_RECORDS = "postblfl = 'Y' and summfl = 'Y' and anl01fl = 'Y' and avisit is not null"


@dataclass(frozen=True)
class Domain:
    code: str                  # LB | VS
    table: str                 # reports table / file stem
    title: str
    noun: str                  # "laboratory" | "vital sign"
    keys: tuple[str, ...]      # parameter keys in the tidy result
    figure_prefix: str
    results: str               # dbt results model with the counts and statistics
    mart: str                  # fact whose post-baseline records the test compares
    test_columns: tuple[str, ...]  # the columns of `mart` the test reads

    @property
    def test_keys(self) -> list[str]:
        """Keys of one test: the parameter (x timepoint) and the visit."""
        return ["paramcd"] + (["timepointn"] if "timepointn" in self.keys else []) + ["visitn"]


LAB = Domain("LB", "t_lab_by_visit", "Laboratory values and change from baseline by visit", "laboratory",
             ("parcat1", "paramcd", "param"), "f_lab", "results_lab_by_visit", "fct_lab_result",
             ("usubjid", "paramcd", "avisitn", "aval", "chg", "base"))
VITALS = Domain("VS", "t_vs_by_visit", "Vital signs and change from baseline by visit and timepoint", "vital sign",
                ("parcat1", "paramcd", "param", "timepointn", "timepoint"), "f_vs", "results_vs_by_visit",
                "fct_vital_sign", ("usubjid", "paramcd", "atptn", "avisitn", "aval", "chg", "base"))


def compared_records(frame: pd.DataFrame, pop: pd.DataFrame) -> pd.DataFrame:
    """The mart's post-baseline records (read with COMPARED_RECORDS) of population subjects, with their
    `arm` and the keys of the tidy result (`visitn`, `timepointn`)."""
    r = restrict(frame, pop).rename(columns={"avisitn": "visitn", "atptn": "timepointn"})
    if "timepointn" in r.columns:
        r["timepointn"] = pd.to_numeric(r["timepointn"], errors="coerce").fillna(0)
    for c in ("aval", "chg", "base"):
        if c in r.columns:
            r[c] = pd.to_numeric(r[c], errors="coerce")
    return r


def compute(result: pd.DataFrame, records: pd.DataFrame, ctx: ReportContext, domain: Domain,
            test: str | None = None) -> pd.DataFrame:
    """Tidy table: the results model's rows (one per parameter (x timepoint) x visit x arm) with the
    estimate and p-value of each active arm vs control at each post-baseline visit. What is compared
    and with which test is each parameter's configured comparison (`ReportConfig.comparison`);
    `test` instead compares the change from baseline of every parameter with that test."""
    cfg = ctx.cfg

    def comparison(paramcd) -> tuple[str, str]:
        return ("change", test) if test else cfg.comparison(domain.code, paramcd)

    arms = cfg.arms
    keys = list(domain.keys)
    out = result.rename(columns={"avisitn": "visitn", "avisit": "visit", "atptn": "timepointn",
                                 "atpt": "timepoint"}).copy()
    out["parcat1"] = out["parcat1"].astype("string").fillna("")
    for c in ("n", "n_obs", "chg_n", "chg_n_obs", "decimals"):
        out[c] = out[c].astype("Int64")
    if "timepoint" in domain.keys:
        out["timepoint"] = out["timepoint"].astype("string").fillna("")
        out["timepointn"] = pd.to_numeric(out["timepointn"], errors="coerce").fillna(0)

    rows = []
    test_keys = domain.test_keys
    for key, grp in records.groupby(test_keys, dropna=False, sort=True):
        compare, this_test = comparison(key[0])
        arm = grp["arm"].to_numpy()
        y = grp["aval" if compare == "value" else "chg"].to_numpy(dtype=float)
        base = grp["base"].to_numpy(dtype=float)
        c = arm == arms.control
        for active in arms.actives:
            a = arm == active
            comp = stats.compare_arrays(this_test, y[a], base[a], y[c], base[c])
            rows.append((*key, active, comp.estimate, comp.p_value, TEST_NAMES[this_test], compare))
    tests = pd.DataFrame(rows, columns=test_keys + ["arm", "estimate", "p_value", "test", "compared"])
    if tests.empty:
        out = out.assign(estimate=np.nan, p_value=np.nan, test=None, compared=None)
    else:
        out = out.merge(tests, on=test_keys + ["arm"], how="left")
    post = out["visit_type"] == "post-baseline"
    # an active arm at a post-baseline visit names its test even when there was too little data for it
    planned = post & (out["arm"] != arms.control) & out["test"].isna()
    chosen = {p: comparison(p) for p in out.loc[planned, "paramcd"].unique()}
    out.loc[planned, "test"] = out.loc[planned, "paramcd"].map(lambda p: TEST_NAMES[chosen[p][1]])
    out.loc[planned, "compared"] = out.loc[planned, "paramcd"].map(lambda p: chosen[p][0])
    # multiplicity: BH within each family (this domain x parameter category), over its parameters,
    # visits and active arms; the study chooses which p flags a difference (settings.findings_p)
    out["p_fdr"] = np.nan
    for _, family in out.groupby("parcat1", dropna=False, sort=False):
        out.loc[family.index, "p_fdr"] = stats.bh_adjust(family["p_value"].to_numpy(dtype=float))
    out["p_basis"] = P_BASIS[cfg.findings_p]
    out["alpha"] = cfg.alpha
    used = out["p_fdr"] if cfg.findings_p == "fdr" else out["p_value"]
    out["flag"] = (used < cfg.alpha).fillna(False).astype(bool)
    out.insert(0, "study", ctx.study)
    cols = (["study"] + keys + ["avalu", "visitn", "visit", "visit_type", "arm", "armn", "n", "n_obs", "mean", "sd", "se",
                                "median", "min", "max", "chg_n", "chg_n_obs", "chg_mean", "chg_sd", "chg_se",
                                "chg_median", "chg_min", "chg_max", "estimate", "p_value", "p_fdr", "p_basis", "test",
                                "compared", "flag", "alpha", "decimals"])
    order = [k for k in keys if k not in ("param", "timepoint")] + ["visitn", "armn"]
    return out[cols].sort_values(order).reset_index(drop=True)


def display(result: pd.DataFrame, ctx: ReportContext, domain: Domain, test: str | None = None) -> DisplayTable:
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
        test=TESTS[test] if test else describe_tests(ctx.cfg, domain.code),
        footnotes=[f"Arms: {arm_list}.",
                   "n: records at the visit, including records with a missing value; mean, SD, median, min and "
                   "max use the non-missing values.",
                   f"* p-value below the study significance level ({ctx.cfg.alpha:g}); flagged on the "
                   f"{P_BASIS[ctx.cfg.findings_p]} (the tidy table also holds the Benjamini-Hochberg FDR-adjusted "
                   "p within each parameter category)."],
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


def build(s, domain: Domain) -> None:
    """The by-visit table and its mean figures for one domain, recorded on the report session."""
    records = compared_records(s.mart_columns(domain.mart, domain.test_columns, COMPARED_RECORDS), s.pop)
    result = compute(s.results[domain.results], records, s.ctx, domain)
    s.table(display(result, s.ctx, domain), result)
    for fig in mean_figures(result, s.ctx, domain):
        s.figure(fig)

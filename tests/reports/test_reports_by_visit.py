"""Lab and vital-sign by-visit summaries: n including missing values, summary statistics against
numpy, and the configured test against scipy / statsmodels at each post-baseline visit."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats as sps

from safety_reports import by_visit as bv


@pytest.fixture()
def lab_records(marts, pop):
    return bv.analysis_records(marts["fct_lab_result"], pop, bv.LAB)


def _raw(marts, visit, arm, col="aval", paramcd="ALT"):
    lab = marts["fct_lab_result"]
    sel = (lab["paramcd"] == paramcd) & (lab["avisit"] == visit) & (lab["trt01a"] == arm) & (lab["anl01fl"] == "Y")
    return lab.loc[sel]


def test_records_are_summarised_analysis_records(lab_records):
    assert set(lab_records["paramcd"]) == {"ALT"}
    assert lab_records["aval"].max() < 100  # the unflagged and visit-less outliers are left out
    assert lab_records["avisit"].notna().all()


@pytest.mark.parametrize("test", ["ancova", "welch", "wilcoxon"])
def test_summary_statistics_and_tests(marts, lab_records, ctx, test):
    res = bv.compute(lab_records, ctx, bv.LAB, test)
    assert list(res.drop_duplicates("visit").sort_values("visitn")["visit"]) == \
        ["Baseline", "Week 2", "Week 4", "End of Treatment"]
    for (visit, arm), row in res.set_index(["visit", "arm"]).iterrows():
        raw = _raw(marts, visit, arm)
        values = raw["aval"].dropna().to_numpy(dtype=float)
        assert row["n"] == len(raw)                    # records, including a missing value
        assert row["n_obs"] == len(values)
        assert row["mean"] == pytest.approx(values.mean())
        assert row["sd"] == pytest.approx(values.std(ddof=1))
        assert row["median"] == pytest.approx(np.median(values))
        assert (row["min"], row["max"]) == (pytest.approx(values.min()), pytest.approx(values.max()))
        if visit == "Baseline":
            assert pd.isna(row["chg_n"]) and pd.isna(row["chg_mean"]) and pd.isna(row["p_value"])
            continue
        chg = raw["chg"].dropna().to_numpy(dtype=float)
        assert row["chg_n"] == len(raw)
        assert row["chg_mean"] == pytest.approx(chg.mean())
        assert row["chg_sd"] == pytest.approx(chg.std(ddof=1))
        if arm == "Placebo":
            assert pd.isna(row["p_value"])
            continue
        ctl = _raw(marts, visit, "Placebo")
        act = raw
        if test == "ancova":
            two = pd.concat([act, ctl])[["trt01a", "chg", "base"]].dropna()
            fit = smf.ols("chg ~ C(trt01a, Treatment(reference='Placebo')) + base", data=two).fit()
            term = f"C(trt01a, Treatment(reference='Placebo'))[T.{arm}]"
            expected, estimate = fit.pvalues[term], fit.params[term]
        elif test == "welch":
            expected = sps.ttest_ind(act["chg"].dropna(), ctl["chg"].dropna(), equal_var=False).pvalue
            estimate = act["chg"].mean() - ctl["chg"].mean()
        else:
            expected = sps.mannwhitneyu(act["chg"].dropna(), ctl["chg"].dropna(), alternative="two-sided").pvalue
            estimate = act["chg"].median() - ctl["chg"].median()
        assert row["p_value"] == pytest.approx(expected)
        assert row["estimate"] == pytest.approx(estimate)
        assert row["flag"] == (expected < ctx.cfg.alpha)
        assert row["test"] == bv.TEST_NAMES[test]


def test_missing_value_counts_in_n_but_not_in_mean(lab_records, ctx):
    res = bv.compute(lab_records, ctx, bv.LAB, "ancova")
    row = res.loc[(res["visit"] == "Week 2") & (res["arm"] == "Placebo")].iloc[0]
    assert (row["n"], row["n_obs"], row["chg_n_obs"]) == (4, 3, 3)
    eot_high = res.loc[(res["visit"] == "End of Treatment") & (res["arm"] == "High")].iloc[0]
    assert eot_high["n"] == 2  # H3 has no End-of-Treatment record
    assert row["se"] == pytest.approx(row["sd"] / math.sqrt(3))


def test_alpha_drives_the_flag(lab_records, ctx):
    strict = dataclasses.replace(ctx, cfg=dataclasses.replace(ctx.cfg, alpha=1e-12))
    loose = dataclasses.replace(ctx, cfg=dataclasses.replace(ctx.cfg, alpha=1.0))
    assert not bv.compute(lab_records, strict, bv.LAB, "ancova")["flag"].any()
    r = bv.compute(lab_records, loose, bv.LAB, "ancova")
    assert r.loc[r["p_value"].notna(), "flag"].all()


def test_vital_signs_keep_timepoints(marts, pop, ctx):
    rec = bv.analysis_records(marts["fct_vital_sign"], pop, bv.VITALS)
    res = bv.compute(rec, ctx, bv.VITALS, ctx.cfg.vs_test)
    assert set(res["timepoint"]) == {"SUPINE", "STANDING"}
    assert len(res) == 2 * 3 * 3  # timepoints x visits x arms
    row = res.loc[(res["timepoint"] == "STANDING") & (res["visit"] == "Week 2") & (res["arm"] == "High")].iloc[0]
    vs = marts["fct_vital_sign"]
    sel = lambda arm: vs.loc[(vs["atpt"] == "STANDING") & (vs["avisit"] == "Week 2") & (vs["trt01a"] == arm), "chg"]
    assert row["p_value"] == pytest.approx(sps.ttest_ind(sel("High"), sel("Placebo"), equal_var=False).pvalue)


def test_display_and_figures(lab_records, ctx):
    res = bv.compute(lab_records, ctx, bv.LAB, "ancova")
    d = bv.display(res, ctx, bv.LAB, "ancova")
    assert len(d.body) == len(res)
    first = d.body.iloc[0]
    assert first["visit"] == "Baseline" and first["arm"] == "Pbo" and first["n"] == "4"
    assert d.body.iloc[1]["visit"] == ""  # visit label once per block of arms
    figs = bv.mean_figures(res, ctx, bv.LAB)
    assert [f.name for f in figs] == ["f_lab_mean_value", "f_lab_mean_change"]
    import matplotlib.pyplot as plt

    for f in figs:
        plt.close(f.figure)


def test_decimals_of():
    assert bv.decimals_of(pd.Series([1.0, 2.0, None])) == 0
    assert bv.decimals_of(pd.Series([1.25, 2.5])) == 2
    assert bv.decimals_of(pd.Series([1 / 3])) == 3

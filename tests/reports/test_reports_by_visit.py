"""Lab and vital-sign by-visit tables: the counts and statistics pass through from their results
model unchanged, and the configured test at each post-baseline visit matches scipy / statsmodels on
the mart's post-baseline records (read with the report's own query)."""

from __future__ import annotations

import dataclasses

import duckdb
import pandas as pd
import pytest
import report_fixtures as fixtures
import statsmodels.formula.api as smf
from scipy import stats as sps

from safety_reports import by_visit as bv
from safety_reports.data import read_mart_columns


def _compared(tmp_path, pop, domain: bv.Domain) -> pd.DataFrame:
    """The records the report compares, read from a fixture warehouse with the report's query."""
    path = tmp_path / "wh.duckdb"
    if not path.exists():
        fixtures.write_warehouse(path)
    con = duckdb.connect(str(path), read_only=True)
    try:
        frame = read_mart_columns(con, domain.mart, fixtures.STUDYID, domain.test_columns, bv.COMPARED_RECORDS)
    finally:
        con.close()
    return bv.compared_records(frame, pop)


@pytest.fixture()
def lab_records(tmp_path, pop):
    return _compared(tmp_path, pop, bv.LAB)


def _raw(marts, visit, arm, paramcd="ALT"):
    lab = marts["fct_lab_result"]
    sel = (lab["paramcd"] == paramcd) & (lab["avisit"] == visit) & (lab["trt01a"] == arm) & (lab["anl01fl"] == "Y")
    return lab.loc[sel]


def test_compared_records_are_post_baseline_analysis_records(lab_records):
    assert set(lab_records["paramcd"]) == {"ALT"}  # the summarised parameter only
    assert set(lab_records["visitn"]) == {2, 4, 99}  # the mart's post-baseline records: no baseline
    assert list(lab_records.columns) == ["usubjid", "paramcd", "visitn", "aval", "chg", "base", "arm", "armn"]
    assert "S1" not in set(lab_records["usubjid"])


@pytest.mark.parametrize("test", ["ancova", "welch", "wilcoxon"])
def test_statistics_pass_through_and_tests(marts, results, lab_records, ctx, test):
    model = results["results_lab_by_visit"]
    res = bv.compute(model, lab_records, ctx, bv.LAB, test)
    assert list(res.drop_duplicates("visit").sort_values("visitn")["visit"]) == \
        ["Baseline", "Week 2", "Week 4", "End of Treatment"]
    assert len(res) == len(model)
    by_model = model.set_index(["avisit", "arm"])
    for (visit, arm), row in res.set_index(["visit", "arm"]).iterrows():
        m = by_model.loc[(visit, arm)]
        for col in ("n", "n_obs", "mean", "sd", "median", "chg_n", "chg_mean", "decimals"):
            assert (pd.isna(row[col]) and pd.isna(m[col])) or row[col] == pytest.approx(m[col]), col
        if row["visit_type"] != "post-baseline":
            assert pd.isna(row["p_value"]) and pd.isna(row["test"])
            continue
        if arm == "Placebo":
            assert pd.isna(row["p_value"])
            continue
        act, ctl = _raw(marts, visit, arm), _raw(marts, visit, "Placebo")
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


def test_missing_value_counts_come_from_the_model(results, lab_records, ctx):
    res = bv.compute(results["results_lab_by_visit"], lab_records, ctx, bv.LAB, "ancova")
    row = res.loc[(res["visit"] == "Week 2") & (res["arm"] == "Placebo")].iloc[0]
    assert (row["n"], row["n_obs"], row["chg_n_obs"]) == (4, 3, 3)
    eot_high = res.loc[(res["visit"] == "End of Treatment") & (res["arm"] == "High")].iloc[0]
    assert eot_high["n"] == 2  # H3 has no End-of-Treatment record


def test_visit_class_comes_from_the_model(results, lab_records, ctx):
    """A visit the model classes as not post-baseline gets no test, whatever its number."""
    model = results["results_lab_by_visit"].copy()
    week2 = model["avisit"] == "Week 2"
    model.loc[week2, "visit_type"] = "pre-baseline"
    res = bv.compute(model, lab_records.loc[lab_records["visitn"] != 2], ctx, bv.LAB, "ancova")
    w2 = res.loc[res["visit"] == "Week 2"]
    assert w2["p_value"].isna().all() and w2["test"].isna().all()
    assert res.loc[(res["visit"] == "Week 4") & (res["arm"] != "Placebo"), "p_value"].notna().all()


def test_alpha_drives_the_flag(results, lab_records, ctx):
    strict = dataclasses.replace(ctx, cfg=dataclasses.replace(ctx.cfg, alpha=1e-12))
    loose = dataclasses.replace(ctx, cfg=dataclasses.replace(ctx.cfg, alpha=1.0))
    model = results["results_lab_by_visit"]
    assert not bv.compute(model, lab_records, strict, bv.LAB, "ancova")["flag"].any()
    r = bv.compute(model, lab_records, loose, bv.LAB, "ancova")
    assert r.loc[r["p_value"].notna(), "flag"].all()


def test_fdr_within_each_category_and_the_configured_p_flags(results, lab_records, ctx):
    from safety_reports import stats

    model = results["results_lab_by_visit"]
    raw = bv.compute(model, lab_records, ctx, bv.LAB, "ancova")
    tested = raw.loc[raw["p_value"].notna()]
    assert len(tested) > 1
    for _, family in tested.groupby("parcat1"):  # BH over each category's tests, recomputed here
        assert family["p_fdr"].to_numpy() == pytest.approx(stats.bh_adjust(family["p_value"].to_numpy()))
    assert (tested["p_fdr"] >= tested["p_value"] - 1e-12).all()
    assert (raw["flag"] == (raw["p_value"] < ctx.cfg.alpha)).all() and set(raw["p_basis"]) == {bv.P_BASIS["raw"]}
    # the threshold between the raw and the adjusted p of some test: raw flags it, FDR does not
    row = tested.loc[tested["p_fdr"] > tested["p_value"]].iloc[0]
    alpha = float((row["p_value"] + row["p_fdr"]) / 2)
    for basis, expect in (("raw", True), ("fdr", False)):
        c = dataclasses.replace(ctx, cfg=dataclasses.replace(ctx.cfg, alpha=alpha, findings_p=basis))
        r = bv.compute(model, lab_records, c, bv.LAB, "ancova")
        same = (r["paramcd"] == row["paramcd"]) & (r["visitn"] == row["visitn"]) & (r["arm"] == row["arm"])
        assert bool(r.loc[same, "flag"].iloc[0]) is expect, basis


def test_vital_signs_keep_timepoints(tmp_path, marts, results, pop, ctx):
    rec = _compared(tmp_path, pop, bv.VITALS)
    res = bv.compute(results["results_vs_by_visit"], rec, ctx, bv.VITALS, ctx.cfg.vs_test)
    assert set(res["timepoint"]) == {"SUPINE", "STANDING"}
    assert len(res) == 2 * 3 * 3  # timepoints x visits x arms
    row = res.loc[(res["timepoint"] == "STANDING") & (res["visit"] == "Week 2") & (res["arm"] == "High")].iloc[0]
    vs = marts["fct_vital_sign"]
    sel = lambda arm: vs.loc[(vs["atpt"] == "STANDING") & (vs["avisit"] == "Week 2") & (vs["trt01a"] == arm), "chg"]
    assert row["p_value"] == pytest.approx(sps.ttest_ind(sel("High"), sel("Placebo"), equal_var=False).pvalue)


def test_without_post_baseline_records_no_test(results, lab_records, ctx):
    res = bv.compute(results["results_lab_by_visit"], lab_records.iloc[0:0], ctx, bv.LAB, "ancova")
    assert res["p_value"].isna().all() and not res["flag"].any()


def test_display_and_figures(results, lab_records, ctx):
    res = bv.compute(results["results_lab_by_visit"], lab_records, ctx, bv.LAB, "ancova")
    d = bv.display(res, ctx, bv.LAB, "ancova")
    assert len(d.body) == len(res)
    first = d.body.iloc[0]
    assert first["visit"] == "Baseline" and first["arm"] == "Pbo" and first["n"] == "4"
    assert d.body.iloc[1]["visit"] == ""  # visit label once per block of arms
    assert first["cn"] == "" and d.body.iloc[3]["cn"] == "4"  # change only at post-baseline visits
    figs = bv.mean_figures(res, ctx, bv.LAB)
    assert [f.name for f in figs] == ["f_lab_mean_value", "f_lab_mean_change"]
    import matplotlib.pyplot as plt

    for f in figs:
        plt.close(f.figure)


def test_a_parameter_compared_on_its_value(results, lab_records, ctx):
    """comparisons: a parameter's test compares the value at the visit (Welch here) instead of the change."""
    model = results["results_lab_by_visit"]
    c = dataclasses.replace(ctx, cfg=dataclasses.replace(ctx.cfg, comparisons={("LB", "ALT"): ("value", "welch")}))
    r = bv.compute(model, lab_records, c, bv.LAB)
    tested = r.loc[r["p_value"].notna()]
    assert len(tested) and set(tested["compared"]) == {"value"} and set(tested["test"]) == {"Welch t-test"}
    row = tested.iloc[0]
    at = lab_records.loc[lab_records["visitn"] == row["visitn"]]
    expect = sps.ttest_ind(at.loc[at["arm"] == row["arm"], "aval"].dropna(),
                           at.loc[at["arm"] == ctx.cfg.arms.control, "aval"].dropna(), equal_var=False)
    assert row["p_value"] == pytest.approx(expect.pvalue)
    default = bv.compute(model, lab_records, ctx, bv.LAB)
    assert set(default.loc[default["p_value"].notna(), "compared"]) == {"change"}
    assert "ALT: Welch's two-sample t-test of the value at the visit" in bv.display(r, c, bv.LAB).test

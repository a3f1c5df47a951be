"""Demographics, lab category tables, liver-injury screen and significant findings on the fixture."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from safety_reports import demographics, findings, liver, shifts, stats


# --------------------------------------------------------------------------- demographics
# The statistics are dbt's (results_demographics, unit-tested there); here the p-values and display.

def test_demographics_anova_from_arm_summaries_equals_the_test_on_the_values(results, ctx):
    r = demographics.compute(results["results_demographics"], ctx)
    age = r.loc[r["variable"] == "age"].set_index(["arm", "row_label"])
    assert age.loc[("Placebo", "n"), "n"] == 4 and age.loc[("Total", "n"), "n"] == 10
    p = sps.f_oneway([70, 80, 64, 75], [66, 90, 71], [59, 77, 82]).pvalue
    assert age["p_value"].iloc[0] == pytest.approx(p)
    assert set(age["test"]) == {"ANOVA"}


def test_demographics_chi_square_of_the_category_counts(results, ctx):
    r = demographics.compute(results["results_demographics"], ctx)
    sex = r.loc[r["variable"] == "sex"].set_index(["arm", "row_label"])
    assert sex.loc[("Placebo", "F"), "n"] == 3 and sex.loc[("Placebo", "F"), "pct"] == pytest.approx(75.0)
    assert sex.loc[("Total", "n"), "n"] == 10
    expected = sps.chi2_contingency(np.array([[3, 1, 1], [1, 2, 2]]), correction=False).pvalue
    assert sex["p_value"].iloc[0] == pytest.approx(expected)
    assert set(sex["test"]) == {"Chi-square"}


def test_demographics_display(results, ctx):
    d = demographics.display(demographics.compute(results["results_demographics"], ctx), ctx)
    assert [c.label for c in d.columns][1:5] == ["Placebo\n(N=4)", "Low\n(N=3)", "High\n(N=3)", "Total\n(N=10)"]
    mean = d.body.loc[(d.body["group"] == "Age (years)") & (d.body["stat"] == "Mean")].iloc[0]
    assert mean["a0"] == "72.3"  # 72.25, halves rounded up
    n_sex = d.body.loc[(d.body["group"] == "Sex") & (d.body["stat"] == "n")].iloc[0]
    assert n_sex["a3"] == "10"  # the n row of a categorical variable: a count, no percentage


def test_anova_summary_matches_f_oneway():
    rng = np.random.default_rng(3)
    groups = [rng.normal(m, 2, n) for m, n in ((10, 5), (11, 7), (13, 1))]
    p = stats.anova_summary_p([len(g) for g in groups], [g.mean() for g in groups],
                              [g.std(ddof=1) if len(g) > 1 else np.nan for g in groups])
    assert p == pytest.approx(sps.f_oneway(*groups).pvalue)
    assert np.isnan(stats.anova_summary_p([3, 0], [1.0, np.nan], [1.0, np.nan]))


# --------------------------------------------------------------------------- shifts and frequencies
# Counts are dbt's (results_lab_shift / results_lab_thr_shift / results_lab_nr_freq).

def test_shift_table_labels_missing_baseline_and_orders_categories(results, ctx):
    r = shifts.shift_table(results["results_lab_shift"], ctx)
    assert "Missing" in set(r["baseline"]) and "Missing" in set(r["baseline_label"])
    assert list(r.drop_duplicates("post").sort_values("post_order")["post"]) == ["N", "H"]
    assert r.loc[r["baseline"] == "Missing", "base_order"].min() > r.loc[r["baseline"] == "N", "base_order"].max()
    sub = r.loc[(r["visit"] == "Week 2") & (r["arm"] == "High")]
    assert sub["n"].sum() == sub["n_visit"].iloc[0] and sub["pct"].sum() == pytest.approx(100.0)


def test_shift_display_leaves_out_empty_baseline_rows(results, ctx):
    r = shifts.shift_table(results["results_lab_shift"], ctx)
    d = shifts.display_shift(r, ctx, "t_lab_shift", "t", "normal-range")
    shown = r.groupby(["visitn", "baseline"])["n"].sum()
    assert len(d.body) == int((shown > 0).sum())


def test_frequency_fisher_only_where_the_model_compares(results, ctx):
    r = shifts.frequency(results["results_lab_nr_freq"], ctx)
    for cat in ("N", "H"):
        for arm in ("Low", "High"):
            row = r.loc[(r["category"] == cat) & (r["arm"] == arm)].iloc[0]
            ctl = r.loc[(r["category"] == cat) & (r["arm"] == "Placebo")].iloc[0]
            expected = sps.fisher_exact([[row["n_subjects"], row["n_evaluable"] - row["n_subjects"]],
                                         [ctl["n_subjects"], ctl["n_evaluable"] - ctl["n_subjects"]]]).pvalue
            assert row["p_value"] == pytest.approx(expected)
    assert r.loc[r["arm"] == "Placebo", "p_value"].isna().all()
    # nobody low in any arm: no p-value (not p = 1)
    assert r.loc[r["category"] == "L", "p_value"].isna().all()
    assert list(r.drop_duplicates("category").sort_values("category_order")["category"]) == ["L", "N", "H"]


# --------------------------------------------------------------------------- liver

def test_liver_screen(results, ctx):
    r = liver.screen(results["results_liver_injury"], ctx)
    get = lambda c, a: r.loc[(r["criterion"] == c) & (r["arm"] == a)].iloc[0]
    assert get("alt", "Placebo")["n_subjects"] == 1 and get("alt", "Placebo")["n_evaluable"] == 4
    assert get("alt", "Low")["n_evaluable"] == 2  # L3 has no values
    assert get("ast", "High")["n_subjects"] == 1
    assert get("hyslaw", "Low")["n_subjects"] == 1 and get("hyslaw", "High")["n_subjects"] == 1
    assert get("hyslaw", "Placebo")["n_evaluable"] == 3  # P3 lacks bilirubin
    assert get("bili", "Placebo")["pct"] == pytest.approx(100 / 3)
    row = get("altast", "High")
    ctl = get("altast", "Placebo")
    assert row["p_value"] == pytest.approx(sps.fisher_exact([[2, 1], [1, 3]]).pvalue)
    assert ctl["n_subjects"] == 1 and pd.isna(ctl["p_value"])
    assert list(r.drop_duplicates("criterion")["criterion"]) == ["alt", "ast", "altast", "bili", "hyslaw"]


def test_liver_screen_shows_the_model_counts_and_labels(results, ctx):
    """The screen applies no factor: counts and labels are the results model's."""
    model = results["results_liver_injury"].copy()
    model["label"] = model["label"].str.replace("3 x ULN", "4.5 x ULN")
    model.loc[model["criterion"] == "alt", ["n_subjects", "ctrl_n_subjects"]] = 0
    r = liver.screen(model, ctx)
    assert r.loc[r["criterion"] == "alt", "n_subjects"].sum() == 0
    assert r.loc[(r["criterion"] == "alt") & (r["arm"] != "Placebo"), "p_value"].eq(1.0).all()
    assert "4.5 x ULN" in r["label"].iloc[0]
    table = liver.display(r, ctx)
    assert table.body["label"].iloc[0] == "ALT > 4.5 x ULN"


def test_edish_reads_ratios_and_the_hyslaw_flag(marts, pop, ctx):
    import matplotlib.pyplot as plt

    frame = marts["mart_liver_injury"][list(liver.EDISH_COLUMNS)]
    fig = liver.edish(frame, pop, ctx)
    labels = fig.figure.axes[0].get_legend_handles_labels()[1]
    assert [label.split(": ")[1] for label in labels] == [
        "3 plotted, 0 potential Hy's law", "2 plotted, 1 potential Hy's law", "3 plotted, 1 potential Hy's law"]
    plt.close(fig.figure)


# --------------------------------------------------------------------------- findings

def test_visit_and_parameter_phrases():
    assert findings.visit_phrase(["Week 2"]) == "Week 2"
    assert findings.visit_phrase(["Week 2", "Week 4"]) == "Weeks 2 and 4"
    assert findings.visit_phrase(["Week 2", "Week 4", "Week 8"]) == "Weeks 2, 4 and 8"
    assert findings.visit_phrase(["Week 2", "End of Treatment"]) == "Week 2 and End of Treatment"
    assert findings.parameter_phrase("Platelet (10^9/L)") == "platelet"
    assert findings.parameter_phrase("Pulse Rate (beats/min)", "AFTER STANDING") == "pulse rate (after standing)"
    assert findings.parameter_phrase("Alanine Aminotransferase (ALT) (U/L)") == "alanine aminotransferase (ALT)"
    assert findings.parameter_phrase("Immunoglobulin A (g/L)") == "immunoglobulin A"
    assert findings.parameter_phrase("D-Dimer (mg/L FEU)") == "D-Dimer"
    assert findings.parameter_phrase("Neutrophils/Lymphocytes") == "Neutrophils/Lymphocytes"


def _by_visit_frame(rows):
    cols = ["parcat1", "paramcd", "param", "visitn", "visit", "arm", "estimate", "p_value", "flag"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["p_fdr"] = (frame["p_value"] * 2).clip(upper=1.0)
    return frame


def test_findings_sentences(ctx):
    lab = _by_visit_frame([
        ("HEMATOLOGY", "PLAT", "Platelet (10^9/L)", 2, "Week 2", "High", 12.0, 0.01, True),
        ("HEMATOLOGY", "LYM", "Lymphocytes (10^9/L)", 2, "Week 2", "High", -0.3, 0.02, True),
        ("HEMATOLOGY", "LYM", "Lymphocytes (10^9/L)", 4, "Week 4", "High", -0.2, 0.03, True),
        ("HEMATOLOGY", "LYM", "Lymphocytes (10^9/L)", 8, "Week 8", "High", -0.2, 0.30, False),
        ("HEMATOLOGY", "PLAT", "Platelet (10^9/L)", 4, "Week 4", "Low", 1.0, 0.50, False),
    ])
    r = findings.compute({"LB": lab}, ctx)
    assert len(r) == 2
    text = findings.sentences(r, ctx)
    assert text[0] == "Low vs Placebo: no parameter differed at the 0.05 level."
    assert text[1] == "High vs Placebo: lower lymphocytes at Weeks 2 and 4; higher platelet at Week 2"
    lym = r.loc[r["paramcd"] == "LYM"].iloc[0]
    assert (lym["direction"], lym["n_visits"], lym["min_p"]) == ("lower", 2, pytest.approx(0.02))
    assert lym["min_p_fdr"] == pytest.approx(0.04)


def test_index_states_the_adverse_events_like_an_abstract(results, ctx):
    from safety_reports import adverse_events as aes
    from safety_reports.index import ae_sentences

    overview = aes.overview(results["results_ae_overview"], ctx)
    aesi = aes.special_interest(results["results_ae_aesi"], ctx)
    text = ae_sentences(overview, aesi, ctx)
    assert len(text) == len(ctx.cfg.arms.actives)
    high = next(t for t in text if t.startswith("High vs Placebo"))
    assert "Any TEAE 3/3 (100.0%) vs 2/4 (50.0%)" in high
    assert "Serious TEAE 0/3 (0.0%) vs 1/4 (25.0%)" in high
    assert "Infusion reaction (special interest) 2/3 (66.7%) vs 0/4 (0.0%) (p = " in high
    assert "Syncope (special interest) 0/3 (0.0%) vs 0/4 (0.0%)." in high  # neither arm: no p
    assert ae_sentences(None, None, ctx) == []

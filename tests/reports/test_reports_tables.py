"""Demographics, lab category tables, liver-injury screen and significant findings on the fixture."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from orchestration.lib.reporting import by_visit as bv
from orchestration.lib.reporting import demographics, findings, liver, shifts


# --------------------------------------------------------------------------- demographics

def test_demographics_continuous_and_total(pop, ctx):
    r = demographics.compute(pop, ctx)
    age = r.loc[r["variable"] == "age"].set_index(["arm", "row_label"])
    placebo = np.array([70, 80, 64, 75], dtype=float)
    assert age.loc[("Placebo", "n"), "n"] == 4
    assert age.loc[("Placebo", "Mean"), "value"] == pytest.approx(placebo.mean())
    assert age.loc[("Placebo", "SD"), "value"] == pytest.approx(placebo.std(ddof=1))
    assert age.loc[("Placebo", "Median"), "value"] == pytest.approx(np.median(placebo))
    assert age.loc[("Total", "n"), "n"] == 10 and age.loc[("Total", "Max"), "value"] == 90
    p = sps.f_oneway(placebo, [66, 90, 71], [59, 77, 82]).pvalue
    assert age["p_value"].iloc[0] == pytest.approx(p)
    assert set(age["test"]) == {"ANOVA"}


def test_demographics_categorical_percent_of_big_n_and_chi_square(pop, ctx):
    r = demographics.compute(pop, ctx)
    sex = r.loc[r["variable"] == "sex"].set_index(["arm", "row_label"])
    assert sex.loc[("Placebo", "F"), "n"] == 3 and sex.loc[("Placebo", "F"), "pct"] == pytest.approx(75.0)
    assert sex.loc[("Total", "M"), "n"] == 5 and sex.loc[("Total", "M"), "pct"] == pytest.approx(50.0)
    expected = sps.chi2_contingency(np.array([[3, 1, 1], [1, 2, 2]]), correction=False).pvalue
    assert sex["p_value"].iloc[0] == pytest.approx(expected)
    groups = r.loc[(r["variable"] == "agegr1") & (r["arm"] == "Total")].sort_values("row_order")
    assert list(groups["row_label"]) == ["<65", "65-80", ">80"]  # ordered by agegr1n, not alphabetically
    assert "weightbl" not in set(r["variable"])  # not collected: left out


def test_demographics_display(pop, ctx):
    d = demographics.display(demographics.compute(pop, ctx), ctx)
    assert [c.label for c in d.columns][1:5] == ["Placebo\n(N=4)", "Low\n(N=3)", "High\n(N=3)", "Total\n(N=10)"]
    mean = d.body.loc[(d.body["group"] == "Age (years)") & (d.body["stat"] == "Mean")].iloc[0]
    assert mean["a0"] == "72.3"  # 72.25, halves rounded up


# --------------------------------------------------------------------------- shifts and frequencies

@pytest.fixture()
def lab_records(marts, pop):
    rec = bv.analysis_records(marts["fct_lab_result"], pop, bv.LAB)
    rec["visit_type"] = np.where(rec["visitn"] > 0, "post-baseline", "baseline")
    return rec


def test_shift_by_visit(lab_records, ctx, marts):
    r = shifts.shift_by_visit(lab_records, ctx, "bnrind", "anrind")
    assert "Baseline" not in set(r["visit"])
    lab = marts["fct_lab_result"]
    lab = lab.loc[(lab["paramcd"] == "ALT") & (lab["avisit"] == "Week 4") & (lab["trt01a"] == "High")]
    expected = lab.groupby(["bnrind", "anrind"]).size()
    got = r.loc[(r["visit"] == "Week 4") & (r["arm"] == "High")].set_index(["baseline", "post"])["n"]
    for key, n in expected.items():
        assert got[key] == n
    assert got.sum() == len(lab)
    sub = r.loc[(r["visit"] == "Week 4") & (r["arm"] == "High")]
    assert (sub["n_visit"] == len(lab)).all()
    assert sub["pct"].sum() == pytest.approx(100.0)
    # categories in the configured order low, normal, high
    assert list(r.drop_duplicates("post").sort_values("post_order")["post"]) == \
        [c for c in ("L", "N", "H") if c in set(r["post"])]


def test_shift_display_leaves_out_empty_baseline_rows(lab_records, ctx):
    r = shifts.shift_by_visit(lab_records, ctx, "bnrind", "anrind")
    d = shifts.display_shift(r, ctx, "t_lab_shift", "t", "normal-range")
    shown = r.groupby(["visitn", "baseline"])["n"].sum()
    assert len(d.body) == int((shown > 0).sum())


def test_frequency_during_treatment_fisher(lab_records, ctx):
    r = shifts.frequency_during_treatment(lab_records, ctx, "anrind")
    post = lab_records.loc[lab_records["visit_type"] == "post-baseline"].dropna(subset=["anrind"])
    for cat in r["category"].unique():
        for arm in ("Low", "High"):
            row = r.loc[(r["category"] == cat) & (r["arm"] == arm)].iloc[0]
            ctl = r.loc[(r["category"] == cat) & (r["arm"] == "Placebo")].iloc[0]
            subj = post.loc[post["arm"] == arm]
            assert row["n_evaluable"] == subj["usubjid"].nunique()
            assert row["n_subjects"] == subj.loc[subj["anrind"] == cat, "usubjid"].nunique()
            expected = sps.fisher_exact([[row["n_subjects"], row["n_evaluable"] - row["n_subjects"]],
                                         [ctl["n_subjects"], ctl["n_evaluable"] - ctl["n_subjects"]]]).pvalue
            assert row["p_value"] == pytest.approx(expected)
    assert r.loc[r["arm"] == "Placebo", "p_value"].isna().all()


# --------------------------------------------------------------------------- liver

def test_liver_screen(marts, pop, ctx):
    r = liver.screen(marts["mart_liver_injury"], pop, ctx)
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
    assert ctl["n_subjects"] == 1


def test_liver_factors_from_config(marts, pop, ctx):
    strict = dataclasses.replace(ctx, cfg=dataclasses.replace(ctx.cfg, transaminase_factor=4.5))
    r = liver.screen(marts["mart_liver_injury"], pop, strict)
    assert r.loc[(r["criterion"] == "alt"), "n_subjects"].sum() == 1  # only H1 (5.0 x ULN)
    assert "4.5 x ULN" in r["label"].iloc[0]


# --------------------------------------------------------------------------- findings

def test_visit_and_parameter_phrases():
    assert findings.visit_phrase(["Week 2"]) == "Week 2"
    assert findings.visit_phrase(["Week 2", "Week 4"]) == "Weeks 2 and 4"
    assert findings.visit_phrase(["Week 2", "Week 4", "Week 8"]) == "Weeks 2, 4 and 8"
    assert findings.visit_phrase(["Week 2", "End of Treatment"]) == "Week 2 and End of Treatment"
    assert findings.parameter_phrase("Platelet (10^9/L)") == "platelet"
    assert findings.parameter_phrase("Pulse Rate (beats/min)", "AFTER STANDING") == "pulse rate (after standing)"
    assert findings.parameter_phrase("Alanine Aminotransferase (ALT) (U/L)") == "alanine aminotransferase (ALT)"


def _by_visit_frame(rows):
    cols = ["parcat1", "paramcd", "param", "visitn", "visit", "arm", "estimate", "p_value", "flag"]
    return pd.DataFrame(rows, columns=cols)


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

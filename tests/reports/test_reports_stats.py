"""The statistics wrappers against scipy / statsmodels called directly on small tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats as sps
from statsmodels.stats.proportion import confint_proportions_2indep

from safety_reports import stats


def test_fisher_2x2_matches_scipy_and_hand_value():
    # 3/4 vs 0/4: two-sided p = (C(4,3)C(4,0) + C(4,0)C(4,3)) / C(8,3) ... scipy gives 0.142857
    p = stats.fisher_exact_p(3, 4, 0, 4)
    assert p == pytest.approx(sps.fisher_exact([[3, 1], [0, 4]], alternative="two-sided").pvalue)
    assert p == pytest.approx(8 / 56)
    assert math.isnan(stats.fisher_exact_p(1, 0, 1, 3))


def test_fisher_reference_any_teae_pilot_counts():
    # the pilot's any-TEAE counts: 77/84 low dose vs 65/86 placebo
    assert round(stats.fisher_exact_p(77, 84, 65, 86), 4) == 0.0065
    assert round(stats.fisher_exact_p(76, 84, 65, 86), 4) == 0.0136


def test_chi_square_is_pearson_without_correction():
    table = [[10, 12, 5], [20, 8, 15]]
    expected = sps.chi2_contingency(np.array(table), correction=False).pvalue
    assert stats.chi_square_p(table) == pytest.approx(expected)
    # a 2x2 table gets no Yates correction either
    t2 = [[3, 7], [8, 2]]
    assert stats.chi_square_p(t2) == pytest.approx(sps.chi2_contingency(np.array(t2), correction=False).pvalue)
    # an all-zero category row is dropped; a single category left gives NaN
    assert stats.chi_square_p([[1, 2, 3], [0, 0, 0], [4, 1, 1]]) == pytest.approx(
        sps.chi2_contingency(np.array([[1, 2, 3], [4, 1, 1]]), correction=False).pvalue)
    assert math.isnan(stats.chi_square_p([[5, 6, 7]]))


def test_anova_matches_f_oneway_and_drops_missing():
    groups = [[70, 80, 64, 75], [66, 90, None, 71], [59, 77, 82, float("nan")]]
    expected = sps.f_oneway([70, 80, 64, 75], [66, 90, 71], [59, 77, 82]).pvalue
    assert stats.anova_p(groups) == pytest.approx(expected)
    assert math.isnan(stats.anova_p([[1.0], []]))


def test_welch_and_wilcoxon_match_scipy():
    a = [1.5, 2.0, 3.5, 4.0, None]
    c = [0.5, 0.0, 1.0, -1.0, 2.5]
    w = stats.welch(a, c)
    assert w.p_value == pytest.approx(sps.ttest_ind([1.5, 2.0, 3.5, 4.0], c, equal_var=False).pvalue)
    assert w.estimate == pytest.approx(np.mean([1.5, 2.0, 3.5, 4.0]) - np.mean(c))
    m = stats.wilcoxon(a, c)
    assert m.p_value == pytest.approx(sps.mannwhitneyu([1.5, 2.0, 3.5, 4.0], c, alternative="two-sided").pvalue)
    assert m.estimate == pytest.approx(np.median([1.5, 2.0, 3.5, 4.0]) - np.median(c))
    assert (w.n_active, w.n_control) == (4, 5)
    assert math.isnan(stats.welch([1.0], [1.0, 2.0]).p_value)


def test_ancova_matches_statsmodels_formula():
    frame = pd.DataFrame({
        "arm": ["Placebo"] * 5 + ["High"] * 5 + ["Low"] * 3,
        "base": [20, 25, 18, 30, 22, 21, 19, 27, 24, 26, 20, 20, 20],
        "chg": [0.5, -1.0, 1.0, 0.0, 2.0, 3.0, 4.5, 2.0, 5.0, 3.5, 9, 9, 9],
    })
    got = stats.ancova(frame, "High", "Placebo")
    two = frame.loc[frame["arm"].isin(["High", "Placebo"])]
    fit = smf.ols("chg ~ C(arm, Treatment(reference='Placebo')) + base", data=two).fit()
    term = "C(arm, Treatment(reference='Placebo'))[T.High]"
    assert got.estimate == pytest.approx(fit.params[term])
    assert got.p_value == pytest.approx(fit.pvalues[term])
    assert (got.n_active, got.n_control) == (5, 5)
    # compare_change dispatches on the configured test
    assert stats.compare_change(frame, "High", "Placebo", "ancova").p_value == pytest.approx(fit.pvalues[term])
    assert stats.compare_change(frame, "High", "Placebo", "welch").p_value == pytest.approx(
        sps.ttest_ind(two.loc[two.arm == "High", "chg"], two.loc[two.arm == "Placebo", "chg"], equal_var=False).pvalue)
    with pytest.raises(ValueError):
        stats.compare_change(frame, "High", "Placebo", "t-test")


def test_ancova_ignores_records_missing_change_or_baseline():
    frame = pd.DataFrame({"arm": ["A"] * 4 + ["C"] * 4,
                          "base": [1, 2, 3, None, 1, 2, 3, 4], "chg": [1, 2, 2, 5, None, 0, 1, 0]})
    got = stats.ancova(frame, "A", "C")
    assert (got.n_active, got.n_control) == (3, 3)
    clean = frame.dropna()
    fit = smf.ols("chg ~ C(arm, Treatment(reference='C')) + base", data=clean).fit()
    assert got.p_value == pytest.approx(fit.pvalues["C(arm, Treatment(reference='C'))[T.A]"])


def test_risk_difference_ci_matches_statsmodels():
    rd = stats.risk_difference(22, 84, 6, 86, alpha=0.05, method="newcomb")
    lo, hi = confint_proportions_2indep(22, 84, 6, 86, method="newcomb", compare="diff", alpha=0.05)
    assert rd.difference == pytest.approx(22 / 84 - 6 / 86)
    assert (rd.lower, rd.upper) == (pytest.approx(lo), pytest.approx(hi))
    wald = stats.risk_difference(5, 10, 2, 10, method="wald")
    lo, hi = confint_proportions_2indep(5, 10, 2, 10, method="wald", compare="diff")
    assert (wald.lower, wald.upper) == (pytest.approx(lo), pytest.approx(hi))


def test_benjamini_hochberg_matches_the_step_up_rule_and_keeps_missing_p():
    p = [0.01, 0.04, 0.03, float("nan"), 0.20]
    adjusted = stats.bh_adjust(p)
    # m = 4 p-values: sorted 0.01, 0.03, 0.04, 0.20 -> 0.04, 0.0533, 0.0533, 0.20 (step-up minimum)
    assert adjusted[0] == pytest.approx(0.04)
    assert adjusted[1] == pytest.approx(0.04 * 4 / 3) and adjusted[2] == pytest.approx(0.04 * 4 / 3)
    assert adjusted[4] == pytest.approx(0.20)
    assert math.isnan(adjusted[3])
    assert math.isnan(stats.bh_adjust([float("nan")])[0])  # nothing to adjust: stays missing


def test_double_fdr_of_mehrotra_and_heyse():
    socs = ["A", "A", "A", "B", "B"]
    p = [0.01, 0.04, 0.5, 0.03, float("nan")]
    within, across = stats.double_fdr(socs, p)
    # stage 1: BH within each SOC
    assert within[:3] == pytest.approx(stats.bh_adjust([0.01, 0.04, 0.5]))
    assert within[3] == pytest.approx(0.03) and math.isnan(within[4])
    # stage 2: BH across SOCs of each SOC's smallest stage-1 p (A: 0.03, B: 0.03)
    first = [min(stats.bh_adjust([0.01, 0.04, 0.5])), 0.03]
    assert across[0] == across[1] == across[2] == pytest.approx(stats.bh_adjust(first)[0])
    assert across[3] == across[4] == pytest.approx(stats.bh_adjust(first)[1])

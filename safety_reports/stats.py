"""Statistical tests used by the safety tables: thin wrappers around scipy and statsmodels.

Each wrapper only shapes the input (counts into a 2x2 table, two arms into one model frame) and
returns NaN when the data cannot support the test (an empty arm, fewer than two values), so one
sparse parameter never stops a table.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

NAN = float("nan")


@dataclass(frozen=True)
class Comparison:
    """Active minus control: the estimate (LS-mean difference, mean difference or median
    difference, by test) and the two-sided p-value."""

    estimate: float
    p_value: float
    n_active: int
    n_control: int


def fisher_exact_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided Fisher's exact test of x1/n1 against x2/n2."""
    if n1 <= 0 or n2 <= 0:
        return NAN
    table = [[int(x1), int(n1 - x1)], [int(x2), int(n2 - x2)]]
    return float(sps.fisher_exact(table, alternative="two-sided").pvalue)


def chi_square_p(table: Sequence[Sequence[float]] | np.ndarray) -> float:
    """Pearson chi-square test of independence (no continuity correction) on a categories x arms
    table; all-zero rows and columns are dropped first."""
    t = np.asarray(table, dtype=float)
    if t.ndim != 2:
        return NAN
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0] if t.size else t
    if t.shape[0] < 2 or t.shape[1] < 2:
        return NAN
    return float(sps.chi2_contingency(t, correction=False).pvalue)


def anova_p(groups: Sequence[Sequence[float]]) -> float:
    """One-way ANOVA F-test across arms (missing values dropped)."""
    clean = [np.asarray([v for v in g if v is not None and not _isnan(v)], dtype=float) for g in groups]
    clean = [g for g in clean if g.size > 0]
    if len(clean) < 2 or sum(g.size for g in clean) <= len(clean):
        return NAN
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = sps.f_oneway(*clean).pvalue
    return float(p)


def anova_summary_p(ns: Sequence[float], means: Sequence[float], sds: Sequence[float]) -> float:
    """One-way ANOVA F-test across groups from each group's n, mean and SD (the same F and p as
    the test on the values: between-group and within-group sums of squares are functions of
    them). Empty groups are dropped; a group of one contributes no within-group variance."""
    rows = [(float(n), float(m), 0.0 if (n <= 1 or _isnan(sd)) else float(sd))
            for n, m, sd in zip(ns, means, sds) if not _isnan(n) and n > 0 and not _isnan(m)]
    k = len(rows)
    total = sum(n for n, _, _ in rows)
    if k < 2 or total <= k:
        return NAN
    grand = sum(n * m for n, m, _ in rows) / total
    between = sum(n * (m - grand) ** 2 for n, m, _ in rows)
    within = sum((n - 1) * sd ** 2 for n, _, sd in rows)
    if within <= 0:
        return NAN
    f = (between / (k - 1)) / (within / (total - k))
    return float(sps.f.sf(f, k - 1, total - k))


def ancova(frame: pd.DataFrame, active: str, control: str, arm_col: str = "arm",
           y: str = "chg", covariate: str = "base") -> Comparison:
    """ANCOVA `chg ~ C(arm) + base` on the records of one active arm and the control arm."""
    arm = frame[arm_col].to_numpy()
    yv = pd.to_numeric(frame[y], errors="coerce").to_numpy(dtype=float)
    xv = pd.to_numeric(frame[covariate], errors="coerce").to_numpy(dtype=float)
    a, c = arm == active, arm == control
    return ancova_arrays(yv[a], xv[a], yv[c], xv[c])


def ancova_arrays(chg_active: np.ndarray, base_active: np.ndarray, chg_control: np.ndarray,
                  base_control: np.ndarray) -> Comparison:
    """ANCOVA `chg ~ C(arm) + base` (treatment coding, control as reference) fitted by
    statsmodels OLS; the estimate is the active-arm coefficient (difference in adjusted means)
    and the p-value its two-sided t-test, which equals the F-test of the arm term. The design
    matrix is built directly rather than from a formula string so that hundreds of
    parameter x visit fits stay fast; records missing change or baseline are left out."""
    from statsmodels.regression.linear_model import OLS

    ya, xa = _pairs(chg_active, base_active)
    yc, xc = _pairs(chg_control, base_control)
    n_a, n_c = ya.size, yc.size
    if n_a < 1 or n_c < 1 or n_a + n_c < 4:
        return Comparison(NAN, NAN, n_a, n_c)
    y = np.concatenate([yc, ya])
    design = np.column_stack([np.ones(n_a + n_c), np.r_[np.zeros(n_c), np.ones(n_a)], np.r_[xc, xa]])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        return Comparison(NAN, NAN, n_a, n_c)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = OLS(y, design).fit()
    return Comparison(float(fit.params[1]), float(fit.pvalues[1]), n_a, n_c)


def _pairs(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    keep = ~(np.isnan(y) | np.isnan(x))
    return y[keep], x[keep]


def welch(active_values: Sequence[float], control_values: Sequence[float]) -> Comparison:
    """Welch's unequal-variance t-test; estimate = difference in means."""
    a, c = _clean(active_values), _clean(control_values)
    if a.size < 2 or c.size < 2:
        return Comparison(NAN, NAN, int(a.size), int(c.size))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = sps.ttest_ind(a, c, equal_var=False).pvalue
    return Comparison(float(a.mean() - c.mean()), float(p), int(a.size), int(c.size))


def wilcoxon(active_values: Sequence[float], control_values: Sequence[float]) -> Comparison:
    """Wilcoxon rank-sum (Mann-Whitney U), two-sided; estimate = difference in medians."""
    a, c = _clean(active_values), _clean(control_values)
    if a.size < 1 or c.size < 1:
        return Comparison(NAN, NAN, int(a.size), int(c.size))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = sps.mannwhitneyu(a, c, alternative="two-sided").pvalue
    return Comparison(float(np.median(a) - np.median(c)), float(p), int(a.size), int(c.size))


def compare_change(frame: pd.DataFrame, active: str, control: str, test: str,
                   arm_col: str = "arm") -> Comparison:
    """Active vs control on change from baseline (`chg`, covariate `base`) with the study's test."""
    arm = frame[arm_col].to_numpy()
    chg = pd.to_numeric(frame["chg"], errors="coerce").to_numpy(dtype=float)
    base = pd.to_numeric(frame["base"], errors="coerce").to_numpy(dtype=float)
    a, c = arm == active, arm == control
    return compare_arrays(test, chg[a], base[a], chg[c], base[c])


def compare_arrays(test: str, chg_active: np.ndarray, base_active: np.ndarray, chg_control: np.ndarray,
                   base_control: np.ndarray) -> Comparison:
    if test == "ancova":
        return ancova_arrays(chg_active, base_active, chg_control, base_control)
    if test == "welch":
        return welch(chg_active, chg_control)
    if test == "wilcoxon":
        return wilcoxon(chg_active, chg_control)
    raise ValueError(f"unknown test {test!r}")


@dataclass(frozen=True)
class RiskDifference:
    difference: float
    lower: float
    upper: float


def bh_adjust(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg false-discovery-rate adjusted p-values of one family (missing p stay missing)."""
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    have = ~np.isnan(p)
    if have.any():
        out[have] = multipletests(p[have], method="fdr_bh")[1]
    return out


def double_fdr(groups: Sequence[str], p_values: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """The double false-discovery-rate adjustment of Mehrotra & Heyse (2004, Stat Methods Med Res
    13:227) for adverse events grouped by body system: (1) Benjamini-Hochberg within each group
    (preferred terms within their system organ class); (2) each group's smallest adjusted p,
    Benjamini-Hochberg adjusted across groups. Returns both per element: (within-group adjusted p,
    the group's across-group adjusted p). An event is flagged at level a when both are <= a."""
    g = np.asarray(groups, dtype=object)
    p = np.asarray(p_values, dtype=float)
    within = np.full(p.shape, np.nan)
    names = list(dict.fromkeys(g.tolist()))
    first_stage = []
    for name in names:
        idx = np.flatnonzero(g == name)
        within[idx] = bh_adjust(p[idx])
        have = within[idx][~np.isnan(within[idx])]
        first_stage.append(have.min() if have.size else np.nan)
    across_by_group = dict(zip(names, bh_adjust(first_stage)))
    across = np.array([across_by_group[x] for x in g.tolist()], dtype=float) if g.size else np.array([])
    return within, across


def risk_difference(x1: int, n1: int, x2: int, n2: int, alpha: float = 0.05,
                    method: str = "newcomb") -> RiskDifference:
    """x1/n1 - x2/n2 with its (1 - alpha) confidence interval from statsmodels
    `confint_proportions_2indep(compare='diff')`."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    if n1 <= 0 or n2 <= 0:
        return RiskDifference(NAN, NAN, NAN)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lo, hi = confint_proportions_2indep(int(x1), int(n1), int(x2), int(n2), method=method,
                                            compare="diff", alpha=alpha)
    return RiskDifference(x1 / n1 - x2 / n2, float(lo), float(hi))


def _isnan(v) -> bool:
    try:
        return math.isnan(float(v))
    except (TypeError, ValueError):
        return True


def _clean(values: Sequence[float]) -> np.ndarray:
    arr = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce").to_numpy(dtype=float)
    return arr[~np.isnan(arr)]

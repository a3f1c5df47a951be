"""Adverse-event tables on the fixture marts and results models: counts checked by hand, p-values
against scipy. The SOC / PT counts are dbt's (results_ae_soc_pt, unit-tested there); here the
p-values added to them."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats as sps

import report_fixtures as fixtures
from safety_reports import adverse_events as aes


@pytest.fixture()
def events(marts, pop):
    return aes.teae_events(marts["fct_adverse_event"], pop)


def _row(frame, arm, **where):
    sel = frame["arm"] == arm
    for k, v in where.items():
        sel &= frame[k].isna() if v is None else frame[k] == v
    rows = frame.loc[sel]
    assert len(rows) == 1, (arm, where, rows)
    return rows.iloc[0]


def test_teae_events_exclude_non_emergent_and_non_population(events):
    assert set(events["usubjid"]) == {"P1", "P2", "L1", "L2", "H1", "H2", "H3"}
    assert "DIARRHOEA" not in set(events["aedecod"])
    assert len(events) == 10


def test_big_n_counts_population_subjects(ctx):
    assert ctx.big_n == {"Placebo": 4, "Low": 3, "High": 3}


def test_soc_pt_keeps_the_model_counts_and_adds_fisher(results, ctx):
    r = aes.soc_pt(results["results_ae_soc_pt"], ctx)
    overall = {a: _row(r, a, level="overall") for a in ("Placebo", "Low", "High")}
    assert [overall[a]["n_subjects"] for a in overall] == [2, 2, 3]
    assert [overall[a]["n_events"] for a in overall] == [3, 3, 4]
    assert math.isnan(overall["Placebo"]["p_value"])
    assert overall["High"]["p_value"] == pytest.approx(sps.fisher_exact([[3, 0], [2, 2]]).pvalue)
    nausea_h = _row(r, "High", level="pt", pt="NAUSEA")
    assert nausea_h["p_value"] == pytest.approx(sps.fisher_exact([[2, 1], [1, 3]]).pvalue)
    # the control arm has a subject with RASH: Low (0/3) is still compared with it
    assert _row(r, "Low", level="pt", pt="RASH")["p_value"] == pytest.approx(
        sps.fisher_exact([[0, 3], [1, 3]]).pvalue)
    assert list(r["row_order"]) == sorted(r["row_order"])


def test_no_p_value_when_neither_arm_of_the_comparison_has_the_event(results, ctx):
    """PRURITUS: only Low has a subject; High vs Placebo is 0/3 vs 0/4, which Fisher would call
    p = 1: the model marks it not compared and the p-value stays NULL."""
    r = aes.soc_pt(results["results_ae_soc_pt"], ctx)
    high = _row(r, "High", level="pt", pt="PRURITUS")
    assert high["n_subjects"] == 0 and math.isnan(high["p_value"])
    assert not math.isnan(_row(r, "Low", level="pt", pt="PRURITUS")["p_value"])
    serious = aes.soc_pt(results["results_ae_soc_pt_serious"], ctx)
    assert serious.loc[serious["arm"] != "Placebo", "p_value"].notna().all()
    empty = aes.soc_pt(fixtures.results_ae_empty(), ctx)
    assert empty["p_value"].isna().all() and (empty["n_subjects"] == 0).all()


def test_worst_severity_counts_each_subject_once(events, ctx, results):
    r = aes.soc_pt_severity(events, ctx, results["results_ae_soc_pt"])
    over = r.loc[r["level"] == "overall"]
    # Placebo: P1 worst moderate (mild + moderate nausea), P2 severe
    pl = over.loc[over["arm"] == "Placebo"].set_index("severity")
    assert pl.loc["Mild", "n_subjects"] == 0 and pl.loc["Moderate", "n_subjects"] == 1
    assert pl.loc["Severe", "n_subjects"] == 1
    assert pl.loc["Mild", "n_events"] == 1 and pl.loc["Moderate", "n_events"] == 1
    assert over.groupby("arm")["n_subjects"].sum().to_dict() == {"High": 3, "Low": 2, "Placebo": 2}
    nausea = r.loc[(r["pt"] == "NAUSEA") & (r["arm"] == "Placebo")].set_index("severity")
    assert nausea.loc["Moderate", "n_subjects"] == 1 and nausea.loc["Moderate", "pct"] == pytest.approx(25.0)


def test_overview_categories(events, pop, ctx):
    r = aes.overview(events, pop, ctx)
    get = lambda cat, arm: r.loc[(r["category"] == cat) & (r["arm"] == arm)].iloc[0]
    assert get("any", "High")["n_subjects"] == 3
    assert get("serious", "Placebo")["n_subjects"] == 1
    assert get("severe", "High")["n_subjects"] == 1 and get("severe", "High")["n_events"] == 1
    assert get("related", "High")["n_subjects"] == 3 and get("related", "Low")["n_subjects"] == 1
    assert get("death", "Placebo")["n_subjects"] == 0
    # the AE data record no action taken: discontinuation comes from the disposition reason
    disc = get("discontinuation", "Low")
    assert disc["n_subjects"] == 1 and disc["source"] == "DS" and pd.isna(disc["n_events"])
    assert get("any", "Low")["p_value"] == pytest.approx(sps.fisher_exact([[2, 1], [2, 2]]).pvalue)


def test_dose_windows(events, ctx):
    r = aes.by_dose_window(events, ctx)
    w24 = r.loc[r["window"] == "Within 24 hours"]
    # onset on the dose day only (days_since_dose 0): P1 dose 1, L1 dose 1, H1 dose 1, H2 dose 2
    any_dose = w24.loc[w24["dose_label"] == "Any dose"].set_index("arm")
    assert any_dose["n_subjects"].to_dict() == {"Placebo": 1, "Low": 1, "High": 2}
    d2 = w24.loc[w24["dosenum"] == 2].set_index("arm")
    assert d2.loc["High", "n_subjects"] == 1 and d2.loc["Placebo", "n_subjects"] == 0
    w72 = r.loc[(r["window"] == "Within 3 days") & (r["dose_label"] == "Any dose")].set_index("arm")
    # days 0-2: adds P2 (1 day), L1 pruritus (2 days), H3 rash (1 day); not H3 vomiting (3 days)
    assert w72["n_subjects"].to_dict() == {"Placebo": 2, "Low": 1, "High": 3}
    assert w72.loc["Low", "n_events"] == 2
    assert w72.loc["High", "pct"] == pytest.approx(100.0)


def test_risk_differences(results, ctx):
    sp = aes.soc_pt(results["results_ae_soc_pt"], ctx)
    r = aes.risk_differences(sp, ctx)
    row = r.loc[(r["pt"] == "NAUSEA") & (r["arm"] == "High")].iloc[0]
    assert row["rd"] == pytest.approx(100 * (2 / 3 - 1 / 4))
    from statsmodels.stats.proportion import confint_proportions_2indep

    lo, hi = confint_proportions_2indep(2, 3, 1, 4, method="newcomb", compare="diff", alpha=0.05)
    assert row["rd_lower"] == pytest.approx(100 * lo) and row["rd_upper"] == pytest.approx(100 * hi)
    assert r.loc[r["arm"] == "Placebo", "rd"].isna().all()
    assert r["plotted"].all()  # every term is above 5 % in some arm of a 10-subject study


def test_displays_have_one_row_per_result_row(events, pop, ctx, results):
    sp = aes.soc_pt(results["results_ae_soc_pt"], ctx)
    d = aes.display_soc_pt(sp, ctx, "t_ae_soc_pt", "title", "TEAE")
    assert len(d.body) == sp["row_order"].nunique()
    first = d.body.iloc[0]
    assert first["label"] == "Subjects with at least one TEAE"
    assert first["n0"] == "2 (50.0)" and first["e0"] == "3" and first["n2"] == "3 (100.0)"
    assert [c.key for c in d.columns][-2:] == ["p0", "p1"]
    ov = aes.display_overview(aes.overview(events, pop, ctx), ctx)
    assert ov.body.loc[ov.body["label"] == "TEAE leading to discontinuation", "e1"].iloc[0] == "-"

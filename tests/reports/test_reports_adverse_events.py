"""Adverse-event tables on the fixture results models: every count is dbt's (results_ae_*, each
rule unit-tested there); here what the reports add to them: Fisher's exact p-values (against scipy),
risk differences with their confidence interval (against statsmodels), footnotes and display."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats as sps

import report_fixtures as fixtures
from safety_reports import adverse_events as aes


def _row(frame, arm, **where):
    sel = frame["arm"] == arm
    for k, v in where.items():
        sel &= frame[k].isna() if v is None else frame[k] == v
    rows = frame.loc[sel]
    assert len(rows) == 1, (arm, where, rows)
    return rows.iloc[0]


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


def test_worst_severity_reads_the_model(ctx, results):
    r = aes.soc_pt_severity(results["results_ae_soc_pt_severity"], ctx)
    over = r.loc[r["level"] == "overall"]
    pl = over.loc[over["arm"] == "Placebo"].set_index("severity")
    assert pl.loc["Mild", "n_subjects"] == 0 and pl.loc["Moderate", "n_subjects"] == 1
    assert pl.loc["Severe", "n_subjects"] == 1
    assert over.groupby("arm")["n_subjects"].sum().to_dict() == {"High": 3, "Low": 2, "Placebo": 2}
    assert (r["study"] == "fixstudy").all()
    assert list(r.columns) == ["study", "level", "soc", "pt", "severity", "sevn", "arm", "armn", "big_n", "n_subjects",
                               "pct", "n_events", "row_order"]
    d = aes.display_severity(r, ctx)
    assert len(d.body) == r[["row_order", "sevn"]].drop_duplicates().shape[0]


def test_overview_adds_fisher_to_the_model_counts(results, ctx):
    r = aes.overview(results["results_ae_overview"], ctx)
    get = lambda cat, arm: r.loc[(r["category"] == cat) & (r["arm"] == arm)].iloc[0]
    assert get("any", "High")["n_subjects"] == 3
    disc = get("discontinuation", "Low")
    assert disc["n_subjects"] == 1 and disc["source"] == "DS" and pd.isna(disc["n_events"])
    assert get("any", "Low")["p_value"] == pytest.approx(sps.fisher_exact([[2, 1], [2, 2]]).pvalue)
    assert math.isnan(get("any", "Placebo")["p_value"])
    # every active arm is compared in the overview, also when neither arm has such an event
    assert get("death", "High")["p_value"] == pytest.approx(1.0)
    d = aes.display_overview(r, ctx)
    assert any("disposition data" in f for f in d.footnotes)


def test_dose_windows_add_fisher_where_the_model_compares(results, ctx):
    r = aes.by_dose_window(results["results_ae_dose_window"], ctx)
    w72 = r.loc[(r["window"] == "Within 3 days") & (r["dose_label"] == "Any dose") & (r["level"] == "overall")]
    w72 = w72.set_index("arm")
    assert w72["n_subjects"].to_dict() == {"Placebo": 2, "Low": 1, "High": 3}
    assert w72.loc["High", "p_value"] == pytest.approx(sps.fisher_exact([[3, 0], [2, 2]]).pvalue)
    assert math.isnan(w72.loc["Placebo", "p_value"])
    # dose 2 within 24 hours: Low 0/3 vs Placebo 0/4 is not compared
    d2 = r.loc[(r["window"] == "Within 24 hours") & (r["dosenum"] == 2)].set_index("arm")
    assert math.isnan(d2.loc["Low", "p_value"]) and not math.isnan(d2.loc["High", "p_value"])
    nausea = r.loc[(r["pt"] == "NAUSEA") & (r["arm"] == "High")].iloc[0]
    assert nausea["p_value"] == pytest.approx(sps.fisher_exact([[2, 1], [1, 3]]).pvalue)
    d = aes.display_dose_window(r, ctx)
    # a block per window and dose, each opening with the any-TEAE row, then the SOCs and their PTs
    blocks = list(dict.fromkeys(d.body["block"]))
    assert blocks[:3] == ["Within 24 hours, Dose 1", "Within 24 hours, Dose 2", "Within 24 hours, any dose"]
    assert len(blocks) == 6
    firsts = d.body.groupby("block", sort=False).head(1)
    assert (firsts["label"] == "Subjects with at least one TEAE in the window").all()
    high = ctx.cfg.arms.names.index("High")
    nausea = d.body.loc[(d.body["block"] == "Within 24 hours, any dose") & (d.body["label"].str.strip() == "NAUSEA")]
    assert len(nausea) == 1 and nausea.iloc[0][f"n{high}"].startswith("2 (")
    assert nausea.iloc[0]["p1"] != ""
    assert any("(onset date - dose date) x 24 < H" in f for f in d.footnotes)


def test_dose_window_footnote_states_the_rule_used(results, ctx):
    r = aes.by_dose_window(results["results_ae_dose_window"], ctx)
    assert aes.window_rule(r).startswith("Onset and dose dates have day precision")
    some = r.copy()
    some.loc[(some["level"] == "overall") & some["dosenum"].isna() & (some["n_events"] > 0), "n_events_datetime"] = 1
    assert "Where the onset and the dose start both carry a time of day" in aes.window_rule(some)
    every = r.copy()
    every["n_events_datetime"] = every["n_events"]
    assert aes.window_rule(every).startswith("Onset and dose start both carry a time of day")


def test_risk_differences(results, ctx):
    r = aes.risk_differences(results["results_ae_risk_diff"], ctx)
    row = r.loc[(r["pt"] == "NAUSEA") & (r["arm"] == "High")].iloc[0]
    assert row["rd"] == pytest.approx(100 * (2 / 3 - 1 / 4))
    from statsmodels.stats.proportion import confint_proportions_2indep

    lo, hi = confint_proportions_2indep(2, 3, 1, 4, method="newcomb", compare="diff", alpha=0.05)
    assert row["rd_lower"] == pytest.approx(100 * lo) and row["rd_upper"] == pytest.approx(100 * hi)
    assert r.loc[r["arm"] == "Placebo", "rd"].isna().all()
    assert r["plotted"].all()  # every term is above 5 % in some arm of a 10-subject study
    assert row["p_value"] == pytest.approx(sps.fisher_exact([[2, 1], [1, 3]]).pvalue)
    # PRURITUS: High vs Placebo is 0/3 vs 0/4, not compared
    assert math.isnan(r.loc[(r["pt"] == "PRURITUS") & (r["arm"] == "High"), "p_value"].iloc[0])


def test_displays_have_one_row_per_result_row(ctx, results):
    sp = aes.soc_pt(results["results_ae_soc_pt"], ctx)
    d = aes.display_soc_pt(sp, ctx, "t_ae_soc_pt", "title", "TEAE")
    assert len(d.body) == sp["row_order"].nunique()
    first = d.body.iloc[0]
    assert first["label"] == "Subjects with at least one TEAE"
    assert first["n0"] == "2 (50.0)" and first["e0"] == "3" and first["n2"] == "3 (100.0)"
    assert [c.key for c in d.columns][-2:] == ["p0", "p1"]
    ov = aes.display_overview(aes.overview(results["results_ae_overview"], ctx), ctx)
    assert ov.body.loc[ov.body["label"] == "TEAE leading to discontinuation", "e1"].iloc[0] == "-"


def test_special_interest_p_values_and_definitions(results, ctx):
    result = aes.special_interest(results["results_ae_aesi"], ctx)
    fever = result.loc[result["aesi_cat"] == "Infusion reaction"].set_index("arm")
    assert fever.at["High", "n_subjects"] == 2 and fever.at["High", "n_events"] == 3
    assert fever.at["High", "p_value"] == pytest.approx(sps.fisher_exact([[2, 1], [0, 4]])[1])
    assert pd.isna(fever.at["Placebo", "p_value"])
    nobody = result.loc[result["aesi_cat"] == "Syncope"]
    assert nobody["p_value"].isna().all()  # neither arm has it: no comparison
    table = aes.display_special_interest(result, ctx)
    assert list(table.body["label"]) == ["Infusion reaction", "Syncope"]
    assert "Infusion reaction: PYREXIA, onset 0-1 days after a dose" in table.footnotes[0]


def test_soc_pt_carries_the_double_fdr_of_its_terms(results, ctx):
    result = aes.soc_pt(results["results_ae_soc_pt"], ctx)
    terms = result.loc[(result["level"] == "pt") & result["p_value"].notna()]
    assert len(terms)
    assert (terms["p_fdr_pt"] >= terms["p_value"] - 1e-12).all()
    assert terms["p_fdr_soc"].notna().all()
    assert result.loc[result["level"] != "pt", ["p_fdr_pt", "p_fdr_soc"]].isna().all().all()

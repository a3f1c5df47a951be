"""Adverse-event tables on the fixture marts: counts checked by hand, p-values against scipy."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats as sps

from orchestration.lib.reporting import adverse_events as aes


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


def test_soc_pt_counts_percentages_and_fisher(events, ctx):
    r = aes.soc_pt(events, ctx)
    overall = {a: _row(r, a, level="overall") for a in ("Placebo", "Low", "High")}
    assert [overall[a]["n_subjects"] for a in overall] == [2, 2, 3]
    assert [overall[a]["n_events"] for a in overall] == [3, 3, 4]
    assert overall["Placebo"]["pct"] == pytest.approx(50.0)
    assert overall["Low"]["pct"] == pytest.approx(200 / 3)
    assert math.isnan(overall["Placebo"]["p_value"])
    assert overall["High"]["p_value"] == pytest.approx(sps.fisher_exact([[3, 0], [2, 2]]).pvalue)
    nausea_p = _row(r, "Placebo", level="pt", pt="NAUSEA")
    assert (nausea_p["n_subjects"], nausea_p["n_events"], nausea_p["big_n"]) == (1, 2, 4)
    nausea_h = _row(r, "High", level="pt", pt="NAUSEA")
    assert (nausea_h["n_subjects"], nausea_h["pct"]) == (2, pytest.approx(200 / 3))
    assert nausea_h["p_value"] == pytest.approx(sps.fisher_exact([[2, 1], [1, 3]]).pvalue)
    # a term nobody in an arm had is still a row with zero
    vomit_p = _row(r, "Placebo", level="pt", pt="VOMITING")
    assert (vomit_p["n_subjects"], vomit_p["n_events"], vomit_p["pct"]) == (0, 0, 0.0)
    gi = _row(r, "Low", level="soc", soc="GASTROINTESTINAL DISORDERS")
    assert (gi["n_subjects"], gi["n_events"]) == (2, 2)
    assert pd.isna(gi["pt"])


def test_soc_alphabetical_pt_by_last_arm_frequency(events, ctx):
    r = aes.soc_pt(events, ctx)
    rows = r.drop_duplicates("row_order").sort_values("row_order")
    labels = [(lv, s, p) for lv, s, p in zip(rows["level"], rows["soc"], rows["pt"])]
    assert [x[0] for x in labels] == ["overall", "soc", "pt", "pt", "soc", "pt", "pt"]
    assert [x[1] for x in labels[1:]] == ["GASTROINTESTINAL DISORDERS"] * 3 + ["SKIN DISORDERS"] * 3
    # within GI: NAUSEA (2 in High) before VOMITING (1); within skin: RASH (1) before PRURITUS (0)
    assert [x[2] for x in labels if x[0] == "pt"] == ["NAUSEA", "VOMITING", "RASH", "PRURITUS"]


def test_serious_subset(events, ctx):
    from orchestration.lib.reporting.data import is_yes

    r = aes.soc_pt(events.loc[is_yes(events["aeser"]).to_numpy()], ctx)
    assert _row(r, "Placebo", level="overall")["n_subjects"] == 1
    assert _row(r, "High", level="overall")["n_subjects"] == 0
    assert set(r.loc[r["level"] == "pt", "pt"]) == {"RASH"}


def test_worst_severity_counts_each_subject_once(events, ctx):
    r = aes.soc_pt_severity(events, ctx)
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


def test_risk_differences(events, ctx):
    sp = aes.soc_pt(events, ctx)
    r = aes.risk_differences(sp, ctx)
    row = r.loc[(r["pt"] == "NAUSEA") & (r["arm"] == "High")].iloc[0]
    assert row["rd"] == pytest.approx(100 * (2 / 3 - 1 / 4))
    from statsmodels.stats.proportion import confint_proportions_2indep

    lo, hi = confint_proportions_2indep(2, 3, 1, 4, method="newcomb", compare="diff", alpha=0.05)
    assert row["rd_lower"] == pytest.approx(100 * lo) and row["rd_upper"] == pytest.approx(100 * hi)
    assert r.loc[r["arm"] == "Placebo", "rd"].isna().all()
    assert r["plotted"].all()  # every term is above 5 % in some arm of a 10-subject study


def test_displays_have_one_row_per_result_row(events, pop, ctx):
    sp = aes.soc_pt(events, ctx)
    d = aes.display_soc_pt(sp, ctx, "t_ae_soc_pt", "title", "TEAE")
    assert len(d.body) == sp["row_order"].nunique()
    first = d.body.iloc[0]
    assert first["label"] == "Subjects with at least one TEAE"
    assert first["n0"] == "2 (50.0)" and first["e0"] == "3" and first["n2"] == "3 (100.0)"
    assert [c.key for c in d.columns][-2:] == ["p0", "p1"]
    ov = aes.display_overview(aes.overview(events, pop, ctx), ctx)
    assert ov.body.loc[ov.body["label"] == "TEAE leading to discontinuation", "e1"].iloc[0] == "-"

"""The report computations on the real CDISC Pilot 01 marts (the warehouse of the whole-pipeline
test run), checked against the numbers of the pilot's tables 14-2.01,
14-5.01 and 14-6.01. Slow: deselect with `-m "not slow"`."""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest

from orchestration.lib.reporting import adverse_events as aes
from orchestration.lib.reporting import by_visit as bv
from orchestration.lib.reporting import demographics
from orchestration.lib.reporting.build import Session, build
from orchestration.lib.reporting.data import is_yes

pytestmark = pytest.mark.slow

STUDY = "cdiscpilot01"


@pytest.fixture(scope="module")
def pilot(pipeline, tmp_path_factory):
    # a copy of the whole-pipeline warehouse, so the asset rebuilt below writes elsewhere
    tmp = tmp_path_factory.mktemp("reports_pilot")
    assert pipeline.ok, pipeline.summary.failures
    shutil.copyfile(pipeline.warehouse, tmp / "wh.duckdb")
    env = {"SAFETY_WAREHOUSE_DB": str(tmp / "wh.duckdb"), "SAFETY_OUTPUTS_DIR": str(tmp / "outputs")}
    saved = {k: os.environ.get(k) for k in ("SAFETY_WAREHOUSE_DB", "SAFETY_OUTPUTS_DIR")}
    os.environ.update(SAFETY_WAREHOUSE_DB=env["SAFETY_WAREHOUSE_DB"], SAFETY_OUTPUTS_DIR=env["SAFETY_OUTPUTS_DIR"])
    session = Session.open("test", STUDY, ("fct_adverse_event", "fct_lab_result", "mart_ae_subject"))
    yield session
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def test_big_n_and_age(pilot):
    ctx = pilot.ctx
    assert ctx.big_n == {"Placebo": 86, "Xanomeline Low Dose": 84, "Xanomeline High Dose": 84}
    r = demographics.compute(pilot.pop, ctx)
    mean = r.loc[(r["variable"] == "age") & (r["row_label"] == "Mean")].set_index("arm")["value"]
    assert [round(mean[a], 1) for a in ctx.cfg.arms.names] == [75.2, 75.7, 74.4]


def test_teae_by_soc_pt(pilot):
    ctx = pilot.ctx
    events = aes.teae_events(pilot.marts["fct_adverse_event"], pilot.pop)
    r = aes.soc_pt(events, ctx)
    overall = r.loc[r["level"] == "overall"].set_index("arm")
    arms = ctx.cfg.arms.names
    assert [int(overall.at[a, "n_subjects"]) for a in arms] == [65, 77, 76]
    assert [round(overall.at[a, "pct"], 1) for a in arms] == [75.6, 91.7, 90.5]
    assert [int(overall.at[a, "n_events"]) for a in arms] == [281, 412, 433]
    assert [round(overall.at[a, "p_value"], 4) for a in arms[1:]] == [0.0065, 0.0136]
    pruritus = r.loc[r["pt"] == "APPLICATION SITE PRURITUS"].set_index("arm")
    assert [int(pruritus.at[a, "n_subjects"]) for a in arms] == [6, 22, 22]
    assert [int(pruritus.at[a, "n_events"]) for a in arms] == [10, 32, 35]
    assert [round(pruritus.at[a, "p_value"], 4) for a in arms[1:]] == [0.0008, 0.0008]


def test_soc_pt_agrees_with_mart_ae_subject(pilot):
    """The event-level counts equal the subject x SOC x PT mart built by dbt."""
    events = aes.teae_events(pilot.marts["fct_adverse_event"], pilot.pop)
    r = aes.soc_pt(events, pilot.ctx)
    mart = pilot.marts["mart_ae_subject"]
    mart = mart.loc[mart["usubjid"].isin(pilot.pop["usubjid"])]
    by_pt = mart.groupby(["aebodsys", "aedecod", "trt01a"]).agg(n=("usubjid", "nunique"), e=("n_events", "sum"))
    pts = r.loc[(r["level"] == "pt") & (r["n_subjects"] > 0)].set_index(["soc", "pt", "arm"])
    assert len(pts) == len(by_pt)
    for key, row in by_pt.iterrows():
        assert (pts.at[key, "n_subjects"], pts.at[key, "n_events"]) == (row["n"], row["e"])
    serious = aes.soc_pt(events.loc[is_yes(events["aeser"]).to_numpy()], pilot.ctx)
    n_serious = mart.loc[is_yes(mart["any_serious"])].groupby("trt01a")["usubjid"].nunique()
    got = serious.loc[serious["level"] == "overall"].set_index("arm")["n_subjects"]
    assert {a: int(got[a]) for a in got.index if got[a]} == {a: int(n) for a, n in n_serious.items()}


def test_lab_by_visit_alt(pilot):
    ctx = pilot.ctx
    rec = bv.analysis_records(pilot.marts["fct_lab_result"], pilot.pop, bv.LAB)
    r = bv.compute(rec, ctx, bv.LAB, ctx.cfg.lab_test)
    alt = r.loc[r["paramcd"] == "ALT"].set_index(["visit", "arm"])
    base = alt.loc[("Baseline", "Placebo")]
    assert (int(base["n"]), round(base["mean"], 1), round(base["sd"], 2)) == (86, 17.6, 9.22)
    wk12 = alt.loc[("Week 12", "Xanomeline High Dose")]
    assert (int(wk12["n"]), round(wk12["mean"], 1), round(wk12["sd"], 2)) == (50, 21.0, 10.18)
    visits = r.drop_duplicates("visit").sort_values("visitn")["visit"].tolist()
    assert visits[0] == "Baseline" and visits[-1] == "End of Treatment" and "Week 26" in visits
    assert r.loc[(r["visit"] != "Baseline") & (r["arm"] != "Placebo"), "p_value"].notna().mean() > 0.95


def test_assets_build_on_the_pilot(pilot):
    result = build("ae_soc_pt", STUDY)
    assert result.rows["t_ae_soc_pt"] > 100
    con = duckdb.connect(os.environ["SAFETY_WAREHOUSE_DB"], read_only=True)
    try:
        row = con.execute("select n_subjects, n_events, round(p_value, 4) from reports.t_ae_soc_pt where "
                          "study = ? and level = 'overall' and arm = 'Xanomeline High Dose'", [STUDY]).fetchone()
    finally:
        con.close()
    assert row == (76, 433, 0.0136)

"""The AE results models on the pilot against the flags the marts carry: each count of
results_ae_overview, results_ae_soc_pt_severity, results_ae_dose_window and results_ae_risk_diff is
counted again here, straight from fct_adverse_event and dim_subject with the study's validated
configuration, so a second implementation of a rule (in a report, a mart or a results model)
that drifts from the marts fails here. Also the pilot figures of the tables, which the move of
the counting into dbt must not change (the pilot's AESTDTC / EXSTDTC are dates only)."""

from __future__ import annotations

import pytest

from safety_warehouse.study_model import load_study

STUDY = "cdiscpilot01"

POP = """
    with pop as (
        select s.usubjid, s.trt01a as arm from marts.dim_subject s
        where s.saffl = 'Y' and s.trt01a in (select unnest(?::varchar[]))
    ),
    teae as (
        select pop.arm, ae.* exclude (trt01a) from marts.fct_adverse_event ae
        inner join pop using (usubjid) where ae.trtemfl = 'Y'
    )
"""


@pytest.fixture(scope="module")
def cfg():
    return load_study(STUDY)


def _arms(cfg):
    return [a.arm for a in cfg.arms]


def _per_arm(dbt_warehouse, cfg, sql, params=()):
    rows = dbt_warehouse.query(POP + sql, [_arms(cfg), *params])
    return {arm: n for arm, n in rows}


def _results(dbt_warehouse, sql, params=()):
    return {arm: n for arm, n in dbt_warehouse.query(sql, list(params))}


@pytest.mark.parametrize("category, condition", [
    ("any", "true"),
    ("serious", "aeser = 'Y'"),
    ("related", "relfl = 'Y'"),
    ("death", "aesdth = 'Y' or upper(aeout) = 'FATAL'"),
])
def test_overview_counts_the_mart_flags(dbt_warehouse, cfg, category, condition):
    marts = _per_arm(dbt_warehouse, cfg, f"select arm, count(distinct usubjid) from teae where {condition} group by arm")
    events = _per_arm(dbt_warehouse, cfg, f"select arm, count(*) from teae where {condition} group by arm")
    results = dbt_warehouse.query("select arm, n_subjects, n_events from results.results_ae_overview "
                                  "where category = ?", [category])
    assert len(results) == len(cfg.arms)
    for arm, n, e in results:
        assert (n, e) == (marts.get(arm, 0), events.get(arm, 0)), (category, arm)


def test_overview_severe_is_the_highest_configured_grade(dbt_warehouse, cfg):
    top = max(s.asevn for s in cfg.ae_severity)
    marts = _per_arm(dbt_warehouse, cfg, "select arm, count(distinct usubjid) from teae where asevn = ? group by arm",
                     [top])
    results = _results(dbt_warehouse, "select arm, n_subjects from results.results_ae_overview where category = 'severe'")
    assert results == {a: marts.get(a, 0) for a in _arms(cfg)}
    (label,) = {r[0] for r in dbt_warehouse.query(
        "select label from results.results_ae_overview where category = 'severe'")}
    top_term = next(s.aesev for s in cfg.ae_severity if s.asevn == top)
    assert label == f"{top_term.title()} TEAE"


def test_overview_discontinuation_follows_the_recorded_source(dbt_warehouse, cfg):
    ((recorded,),) = dbt_warehouse.query(POP + "select count(*) filter (where trim(aeacn) <> '') from teae",
                                         [_arms(cfg)])
    sources = {r[0] for r in dbt_warehouse.query(
        "select source from results.results_ae_overview where category = 'discontinuation'")}
    results = _results(dbt_warehouse, "select arm, n_subjects from results.results_ae_overview "
                                      "where category = 'discontinuation'")
    if recorded:
        assert sources == {"AE"}
        marts = _per_arm(dbt_warehouse, cfg, "select arm, count(distinct usubjid) from teae "
                         "where upper(aeacn) = upper(?) group by arm", [cfg.reporting.ae_discontinuation_action])
    else:  # the pilot's AE domain has no AEACN: the end-of-study reason
        assert sources == {"DS"}
        marts = _per_arm(dbt_warehouse, cfg, "select s.trt01a, count(*) from marts.dim_subject s inner join pop "
                         "using (usubjid) where upper(s.dcsreas) = upper(?) group by 1",
                         [cfg.reporting.ae_discontinuation_reason])
    assert results == {a: marts.get(a, 0) for a in _arms(cfg)}


def test_worst_severity_overall_counts_each_subject_at_its_highest_grade(dbt_warehouse, cfg):
    marts = dbt_warehouse.query(POP + """
        select arm, worst, count(*) from (
            select arm, usubjid, max(coalesce(asevn, 0)) as worst from teae group by arm, usubjid)
        group by arm, worst""", [_arms(cfg)])
    results = dbt_warehouse.query("select arm, sevn, n_subjects from results.results_ae_soc_pt_severity "
                                  "where level = 'overall' and n_subjects > 0")
    assert sorted(results) == sorted(marts)
    # per PT too: each subject once per PT, so the grades add up to the PT's incidence
    mismatched = dbt_warehouse.query("""
        select s.soc, s.pt, s.arm from results.results_ae_soc_pt_severity s
        inner join results.results_ae_soc_pt i using (studyid, level, soc, pt, arm)
        where s.level = 'pt'
        group by s.soc, s.pt, s.arm, i.n_subjects, i.n_events
        having sum(s.n_subjects) <> i.n_subjects or sum(s.n_events) > i.n_events""")
    assert mismatched == []


def test_dose_windows_count_hours_since_dose_of_the_mart(dbt_warehouse, cfg):
    for w in cfg.ae_dose_windows:
        marts = dbt_warehouse.query(POP + """
            select arm, dosenum, count(distinct usubjid), count(*) from teae
            where hours_since_dose >= 0 and hours_since_dose < ? group by grouping sets ((arm, dosenum), (arm))""",
                                    [_arms(cfg), w.hours])
        results = dbt_warehouse.query("""
            select arm, dosenum, n_subjects, n_events from results.results_ae_dose_window
            where window_label = ? and level = 'overall' and n_subjects > 0""", [w.label])
        assert sorted(results, key=str) == sorted(marts, key=str), w.label


def test_pilot_times_after_dose_are_dates_only(dbt_warehouse):
    rows = dbt_warehouse.query("""
        select count(*) filter (where dose_onset_precision = 'datetime'),
               count(*) filter (where hours_since_dose is distinct from days_since_dose * 24.0),
               count(*) filter (where (dosenum is null) <> (hours_since_dose is null))
        from marts.fct_adverse_event""")
    assert rows == [(0, 0, 0)]
    assert dbt_warehouse.query("select sum(n_events_datetime) from results.results_ae_dose_window") == [(0,)]


def test_plotted_terms_follow_the_reporting_settings(dbt_warehouse, cfg):
    rows = dbt_warehouse.query("""
        select soc, pt, max(pct), bool_or(plotted) from results.results_ae_risk_diff group by soc, pt""")
    qualifying = sorted((r for r in rows if r[2] >= cfg.reporting.ae_plot_min_pct), key=lambda r: (-r[2], r[1], r[0]))
    expected = {(r[0], r[1]) for r in qualifying[:cfg.reporting.ae_plot_max_terms]}
    assert {(r[0], r[1]) for r in rows if r[3]} == expected


def test_pilot_figures_of_the_ae_tables(dbt_warehouse):
    """The figures the pandas implementation gave on the pilot before the counts moved into dbt."""
    ov = {(c, a): (n, e) for c, a, n, e in dbt_warehouse.query(
        "select category, armn, n_subjects, n_events from results.results_ae_overview")}
    assert [ov[("any", a)] for a in (1, 2, 3)] == [(65, 281), (77, 412), (76, 433)]
    assert [ov[("serious", a)] for a in (1, 2, 3)] == [(0, 0), (1, 1), (2, 2)]
    assert [ov[("severe", a)] for a in (1, 2, 3)] == [(5, 6), (16, 25), (8, 10)]
    assert [ov[("related", a)] for a in (1, 2, 3)] == [(43, 130), (72, 285), (70, 275)]
    assert [ov[("death", a)] for a in (1, 2, 3)] == [(2, 2), (1, 1), (0, 0)]
    assert [ov[("discontinuation", a)] for a in (1, 2, 3)] == [(8, None), (44, None), (40, None)]
    dw = {(w, d, a): (n, e) for w, d, a, n, e in dbt_warehouse.query(
        "select window_label, dose_label, armn, n_subjects, n_events from results.results_ae_dose_window "
        "where level = 'overall'")}
    assert [dw[("Within 24 hours", "Any dose", a)] for a in (1, 2, 3)] == [(7, 14), (7, 14), (13, 28)]
    assert [dw[("Within 72 hours", "Dose 1", a)] for a in (1, 2, 3)] == [(9, 14), (13, 38), (19, 44)]
    assert [dw[("Within 72 hours", "Any dose", a)] for a in (1, 2, 3)] == [(15, 25), (21, 57), (26, 76)]
    assert dbt_warehouse.query("select count(*) from results.results_ae_soc_pt_severity") == [(1098,)]
    assert dbt_warehouse.query("select count(distinct pt) from results.results_ae_risk_diff where plotted") == [(21,)]


def test_special_interest_counts_the_mart_flag(dbt_warehouse, cfg):
    """results_ae_aesi counts, per configured category, the TEAEs whose aesi_cat (fct_adverse_event) names it."""
    categories = sorted({a.aesi_cat for a in cfg.aesi})
    assert categories
    for category in categories:
        marts = _per_arm(dbt_warehouse, cfg, "select arm, count(distinct usubjid) from teae where aesifl = 'Y' and "
                         "list_contains(string_split(aesi_cat, '; '), ?) group by arm", [category])
        results = dbt_warehouse.query("select arm, n_subjects from results.results_ae_aesi where aesi_cat = ?",
                                      [category])
        assert len(results) == len(cfg.arms)
        assert {arm: n for arm, n in results} == {a: marts.get(a, 0) for a in _arms(cfg)}, category

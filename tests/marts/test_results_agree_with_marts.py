"""Counted once: what the by-visit and liver-screen results models count equals what the marts flag
(post-baseline visit class, analysis records, liver flags), recounted here in plain SQL on the
pilot's warehouse. A second, diverging implementation of any of these rules fails here."""

from __future__ import annotations

import pytest

# population subjects (safety population, a configured arm) as the results models use them
SUBJECTS = """
    select s.studyid, s.usubjid, s.trt01a as arm
    from marts.dim_subject s
    inner join staging.stg_config__arms a on a.studyid = s.studyid and a.arm = s.trt01a
    where s.saffl = 'Y'
"""


@pytest.mark.parametrize("fact, model, timepoint", [
    ("fct_lab_result", "results_lab_by_visit", False),
    ("fct_vital_sign", "results_vs_by_visit", True),
])
def test_by_visit_counts_are_the_marts_analysis_records(dbt_warehouse, fact, model, timepoint):
    tp = ", f.atpt" if timepoint else ""
    tp_r = ", r.atpt" if timepoint else ""
    join_tp = "and m.atpt is not distinct from r.atpt" if timepoint else ""
    rows = dbt_warehouse.query(f"""
        with subjects as ({SUBJECTS}),
        mart as (
            select f.studyid, f.paramcd{tp}, f.avisitn, s.arm,
                   count(*) as n,
                   count(*) filter (where f.postblfl = 'Y') as n_post,
                   count(f.chg) as n_chg,
                   min(f.avisit_type) as visit_type
            from marts.{fact} f
            inner join subjects s on s.studyid = f.studyid and s.usubjid = f.usubjid
            where f.summfl = 'Y' and f.anl01fl = 'Y' and f.avisit is not null
            group by all
        )
        select
            count(*) as rows,
            count(*) filter (where r.n is distinct from m.n) as n_differs,
            count(*) filter (where r.visit_type is distinct from m.visit_type) as class_differs,
            count(*) filter (where r.visit_type = 'post-baseline' and r.chg_n_obs is distinct from m.n_chg)
                as chg_differs,
            count(*) filter (where r.visit_type <> 'post-baseline' and (m.n_post > 0 or r.chg_n is not null))
                as post_outside_post_visit,
            count(*) filter (where m.n is null) as only_in_results
        from results.{model} r
        left join mart m
            on  m.studyid = r.studyid and m.paramcd = r.paramcd {join_tp}
            and m.avisitn = r.avisitn and m.arm = r.arm
    """)
    ((n_rows, n_differs, class_differs, chg_differs, post_outside, only_in_results),) = rows
    assert n_rows > 300
    assert (n_differs, class_differs, chg_differs, post_outside, only_in_results) == (0, 0, 0, 0, 0)
    (mart_groups,) = dbt_warehouse.query(f"""
        with subjects as ({SUBJECTS})
        select count(*) from (
            select distinct f.paramcd{tp}, f.avisitn, s.arm from marts.{fact} f
            inner join subjects s on s.studyid = f.studyid and s.usubjid = f.usubjid
            where f.summfl = 'Y' and f.anl01fl = 'Y' and f.avisit is not null)""")
    assert mart_groups[0] == n_rows


def test_post_baseline_class_is_the_record_flag(dbt_warehouse):
    """Every visit the results call post-baseline holds the mart's post-baseline records, and no
    post-baseline record sits at a visit classed otherwise."""
    for fact in ("fct_lab_result", "fct_vital_sign"):
        rows = dbt_warehouse.query(f"""
            select avisit_type, bool_or(postblfl = 'Y'), bool_and(ablfl is distinct from 'Y')
            from marts.{fact} where avisit is not null and anl01fl = 'Y' group by 1 order by 1""")
        assert rows == [("baseline", False, False), ("post-baseline", True, True)], fact


CRITERIA = {  # criterion -> (mart flag, evaluable)
    "alt": ("alt_high_fl", "peak_alt_r2uln is not null"),
    "ast": ("ast_high_fl", "peak_ast_r2uln is not null"),
    "altast": ("transaminase_high_fl", "coalesce(peak_alt_r2uln, peak_ast_r2uln) is not null"),
    "bili": ("bili_high_fl", "peak_bili_r2uln is not null"),
    "hyslaw": ("hyslaw_fl", "coalesce(peak_alt_r2uln, peak_ast_r2uln) is not null and peak_bili_r2uln is not null"),
}


@pytest.mark.parametrize("criterion", list(CRITERIA))
def test_liver_screen_counts_the_mart_flags(dbt_warehouse, criterion):
    flag, evaluable = CRITERIA[criterion]
    expected = dict((arm, (ev, n)) for arm, ev, n in dbt_warehouse.query(f"""
        with subjects as ({SUBJECTS})
        select s.arm, count(*) filter (where {evaluable}),
               count(*) filter (where {evaluable} and l.{flag} = 'Y')
        from marts.mart_liver_injury l
        inner join subjects s on s.studyid = l.studyid and s.usubjid = l.usubjid
        group by 1"""))
    got = dict((arm, (ev, n)) for arm, ev, n in dbt_warehouse.query(
        "select arm, n_evaluable, n_subjects from results.results_liver_injury where criterion = ?", [criterion]))
    assert got == expected
    assert sum(ev for ev, _ in got.values()) > 200


def test_liver_screen_labels_carry_the_configured_values(dbt_warehouse):
    rows = dbt_warehouse.query("""
        select distinct criterion_order, label from results.results_liver_injury order by 1""")
    assert [label for _, label in rows] == [
        "ALT > 3 x ULN", "AST > 3 x ULN", "ALT or AST > 3 x ULN", "Total bilirubin (BILI) > 2 x ULN",
        "Potential Hy's law (ALT or AST > 3 x ULN and BILI > 2 x ULN)"]

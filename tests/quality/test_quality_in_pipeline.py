"""The suites inside the whole pipeline on the pilot (shared `pipeline` fixture): every raw
domain is validated (the marts by their dbt tests, not here), no ERROR rule fails, and the data
docs are written."""

from __future__ import annotations

from expectations import catalogue


def test_every_suite_ran_and_no_error_rule_fails(pipeline, warehouse_con):
    assert pipeline.ok
    ran = {(layer, domain.lower()) for layer, domain in warehouse_con.execute(
        "select distinct layer, domain from quality.dq_rule_runs").fetchall()}
    expected = {(t.layer, t.table) for t in catalogue.targets().values()}
    assert ran == expected
    failing = warehouse_con.execute("""
        select layer, domain, rule_id, status, unexpected_records, detail from quality.dq_rule_runs
        where severity = 'ERROR' and status not in ('passed', 'not_applicable')""").fetchall()
    assert failing == []


def test_pilot_warn_findings_reach_the_findings_table(pipeline, warehouse_con):
    open_by_rule = dict(warehouse_con.execute("""
        select rule_id, count(*) from quality.dq_findings where status = 'open' group by rule_id""").fetchall())
    assert open_by_rule["LB-LBCAT-POPULATED"] == 8
    assert open_by_rule["LB-STRESC-QUALIFIED"] == 6
    assert open_by_rule["VS-NOT-DONE"] == 8
    assert open_by_rule["AE-DTC-PARTIAL"] == 26
    assert all(s == "WARN" for (s,) in warehouse_con.execute(
        "select distinct severity from quality.dq_findings where status = 'open'").fetchall())


def test_data_docs_site_is_written(pipeline):
    index = pipeline.outputs / "data_docs" / "index.html"
    assert index.exists()
    pages = list((pipeline.outputs / "data_docs" / "validations").rglob("*.html"))
    assert len(pages) >= len(catalogue.targets())

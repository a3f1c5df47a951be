"""The feed sensor asks for a run of a study exactly when its files change; the schedule covers every study."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

import dagster as dg

from safety_warehouse import paths


def _raw_copy(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    shutil.copytree(paths.PROJECT_ROOT / "data" / "raw" / "cdiscpilot01", raw / "cdiscpilot01")
    monkeypatch.setenv("SAFETY_RAW_DIR", str(raw))
    # a warehouse of its own: nothing published yet, so no study is up to date
    monkeypatch.delenv("SAFETY_WAREHOUSE_DB", raising=False)
    monkeypatch.setenv("SAFETY_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    return raw / "cdiscpilot01"


def test_sensor_requests_run_only_on_change(tmp_path, monkeypatch):
    from orchestration.defs.ingest.sensors import raw_feed_sensor

    study = _raw_copy(tmp_path, monkeypatch)
    with dg.instance_for_test() as instance:
        ctx = dg.build_sensor_context(instance=instance)
        first = list(raw_feed_sensor(ctx))
        assert [r.partition_key for r in first] == ["cdiscpilot01"]
        ctx = dg.build_sensor_context(instance=instance, cursor=ctx.cursor)
        assert list(raw_feed_sensor(ctx)) == []
        (study / "dm.xpt").write_bytes((study / "dm.xpt").read_bytes() + b"\0")
        ctx = dg.build_sensor_context(instance=instance, cursor=ctx.cursor)
        again = list(raw_feed_sensor(ctx))
        assert len(again) == 1 and again[0].run_key != first[0].run_key


def test_nightly_schedule_requests_every_study(tmp_path, monkeypatch):
    from orchestration.defs.pipeline import nightly_refresh

    study = _raw_copy(tmp_path, monkeypatch)
    shutil.copytree(study, study.parent / "secondstudy")
    ctx = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 1, 2, 5, tzinfo=timezone.utc))
    requests = list(nightly_refresh(ctx))
    assert sorted(r.partition_key for r in requests) == ["cdiscpilot01", "secondstudy"]
    assert all(r.run_key.endswith("2026-01-02") for r in requests)


def test_nightly_schedule_skips_a_study_that_is_up_to_date(tmp_path, monkeypatch):
    import orchestration.defs.pipeline as pipeline
    from safety_warehouse.publish import RefreshPlan

    study = _raw_copy(tmp_path, monkeypatch)
    shutil.copytree(study, study.parent / "secondstudy")
    monkeypatch.setattr("safety_warehouse.publish.refresh_plan", lambda name: RefreshPlan(
        name, frozenset() if name == "cdiscpilot01" else None, "test"))
    ctx = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 1, 2, 5, tzinfo=timezone.utc))
    requests = list(pipeline.nightly_refresh(ctx))
    assert [r.partition_key for r in requests] == ["secondstudy"]
    assert requests[0].asset_selection is None and requests[0].tags["safety/refresh"] == "full"
    monkeypatch.setattr("safety_warehouse.publish.refresh_plan", lambda name: RefreshPlan(name, frozenset(), "test"))
    skipped = pipeline.nightly_refresh(dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 1, 3, 5, tzinfo=timezone.utc)))
    assert isinstance(skipped, dg.SkipReason) and "nothing changed" in skipped.skip_message


def test_nightly_schedule_selects_what_depends_on_a_changed_feed(tmp_path, monkeypatch):
    import orchestration.defs.pipeline as pipeline
    from orchestration.definitions import defs
    from safety_warehouse.publish import RefreshPlan

    _raw_copy(tmp_path, monkeypatch)
    monkeypatch.setattr("safety_warehouse.publish.refresh_plan",
                        lambda name: RefreshPlan(name, frozenset({"lb"}), "changed feed: lb"))
    ctx = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 1, 2, 5, tzinfo=timezone.utc),
                                    repository_def=defs.get_repository_def())
    (request,) = list(pipeline.nightly_refresh(ctx))
    keys = {k.to_user_string() for k in request.asset_selection}
    assert {"raw/lb", "raw/delivery", "raw/study_config", "marts/fct_lab_result", "results/results_lab_by_visit",
            "reports/lab_by_visit", "reports/index", "published/warehouse"} <= keys
    assert not keys & {"raw/ae", "raw/dm", "marts/fct_adverse_event", "reports/ae_soc_pt", "reports/vs_by_visit"}
    assert request.tags["safety/refresh"] == "changed:lb"

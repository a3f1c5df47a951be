"""The whole pipeline as one job (one run per study), and its nightly schedule."""

import logging

import dagster as dg

from orchestration.lib.runtime import WRITER_TAG
from safety_warehouse.studies import study_names

PIPELINE_JOB = "safety_pipeline"

safety_pipeline = dg.define_asset_job(
    PIPELINE_JOB,
    selection=dg.AssetSelection.all(),
    description="Load a study's feeds, build staging and marts, run every quality check and "
                "produce the safety tables and figures.",
    executor_def=dg.in_process_executor,
    tags={WRITER_TAG: "warehouse"},  # the run queue admits one warehouse writer at a time
)


@dg.schedule(job=safety_pipeline, cron_schedule="0 5 * * *", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.STOPPED,
             description="Nightly refresh of every study whose feeds, configuration or code changed since its "
                         "last published run.")
def nightly_refresh(context: dg.ScheduleEvaluationContext):
    from orchestration.lib.refresh import refresh_selection, refresh_tags
    from safety_warehouse.publish import refresh_plan

    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    requests, current = [], []
    for study in study_names():
        plan = refresh_plan(study)
        if plan.changed is not None and not plan.changed:
            current.append(study)
            continue
        # only what depends on the changed feeds, or everything (see orchestration.lib.refresh)
        keys = None if plan.full else refresh_selection(plan, context.repository_def.asset_graph)
        requests.append(dg.RunRequest(run_key=f"{study}:{day}", partition_key=study,
                                      asset_selection=sorted(keys, key=str) if keys is not None else None,
                                      tags={"trigger": "nightly", **refresh_tags(plan)}))
    if not requests:
        return dg.SkipReason(f"nothing changed since the last published run of {', '.join(current) or 'any study'}")
    if current:
        context.log.info(f"up to date, not refreshed: {', '.join(current)}")
    return requests


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Marks runs whose process died (a command-line run killed on this host) as failed, "
                       "so the run queue does not wait behind them. Requests no runs.")
def dead_run_monitor(context: dg.SensorEvaluationContext):
    from orchestration.lib.run_monitor import mark_dead_runs_failed

    failed = mark_dead_runs_failed(context.instance)
    return dg.SkipReason(f"marked failed: {', '.join(failed)}" if failed else "no dead run")


@dg.logger(
    config_schema={"path": dg.Field(str), "log_level": dg.Field(str, default_value="INFO")},
    description="Appends the run's log messages, without colour codes, to a file (the command line's run log).",
)
def run_log_file(init_context: dg.InitLoggerContext) -> logging.Logger:
    cfg = init_context.logger_config
    logger = logging.getLogger(f"safety_warehouse.run_log.{id(init_context)}")
    logger.propagate = False
    logger.setLevel(cfg["log_level"].upper())
    handler = logging.FileHandler(cfg["path"], mode="a", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s"))
    logger.handlers = [handler]
    return logger


defs = dg.Definitions(jobs=[safety_pipeline], schedules=[nightly_refresh], sensors=[dead_run_monitor],
                      loggers={"console": dg.colored_console_logger, "run_log": run_log_file})

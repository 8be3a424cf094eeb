"""The nightly schedule: at 02:00 UTC, run yesterday's night."""

import datetime as dt

import dagster as dg

from orchestration.jobs import nightly_job

NIGHTLY_CRON = "0 2 * * *"


@dg.schedule(job=nightly_job, cron_schedule=NIGHTLY_CRON, execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Every night at 02:00 UTC, the whole pipeline on yesterday's partition.")
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    yesterday = (context.scheduled_execution_time.astimezone(dt.UTC) - dt.timedelta(days=1)).date().isoformat()
    return dg.RunRequest(run_key=f"nightly-{yesterday}", partition_key=yesterday)

"""Command line: ``python -m orchestration.cli run-nightly [--night YYYY-MM-DD]`` (what ``make run`` calls).

Runs the nightly job in this process against the Dagster instance in DAGSTER_HOME (so the run shows in
the UI), then prints what landed in the warehouse.
"""

import argparse
import datetime as dt
import os
import sys

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

SUMMARY_SQL = "sql/queries/run_summary.sql"


def _yesterday() -> str:
    return (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()


def run_nightly(night: str) -> int:
    import dagster as dg

    from orchestration.definitions import defs
    from wiretrace import warehouse

    instance = dg.DagsterInstance.get()
    log_level = os.environ.get("WIRETRACE_LOG_LEVEL", "INFO")  # DEBUG shows every Dagster engine event
    result = defs.resolve_job_def("nightly").execute_in_process(
        partition_key=night, instance=instance, raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}})
    print(f"\nnightly run {result.run_id} for night {night}: {'SUCCESS' if result.success else 'FAILED'}")
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            print(f"  failed step {event.step_key}: {error.message.strip().splitlines()[0] if error else 'unknown'}")
    con = warehouse.connect(read_only=True)
    try:
        rows = con.execute(warehouse.sql_file(SUMMARY_SQL.removeprefix("sql/")), {"night": night}).fetchall()
    finally:
        con.close()
    width = max(len(r[0]) for r in rows)
    for name, night_rows, total in rows:
        print(f"  {name:<{width}}  this night {night_rows:>7}   in warehouse {total:>7}")
    print(f"warehouse: {warehouse.warehouse_path()}")
    return 0 if result.success else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wiretrace")
    sub = parser.add_subparsers(dest="command", required=True)
    nightly = sub.add_parser("run-nightly", help="materialise the whole nightly job for one night")
    nightly.add_argument("--night", default=os.environ.get("WIRETRACE_NIGHT") or _yesterday(),
                         help="partition (ingest date) to run; default yesterday (UTC), like the schedule")
    args = parser.parse_args(argv)
    if args.command == "run-nightly":
        return run_nightly(args.night)
    return 2


if __name__ == "__main__":
    sys.exit(main())

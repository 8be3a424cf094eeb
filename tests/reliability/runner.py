"""Run the nightly job for one night in a separate process, for the crash, lock and memory tests.

``python -m tests.reliability.runner --warehouse W --inbox I --night N [--snapshot S]`` runs one night.
``python -m tests.reliability.runner --serve`` imports everything once (about 13 s: Dagster, Great
Expectations, the stages), prints ``READY``, then for every JSON line on stdin (the same arguments plus
``env``) forks a child that runs that night, printing ``CHILD <pid>`` and later ``CHILD_EXIT <pid> <code>``.
The crash test kills those children, so each kill point costs the run up to it, not a fresh import.
The process is single-threaded after the import (checked), so forking it is safe.

It prints one line per step as it starts (``STEP_START <key>``) and flushes, so a parent can kill the
process at a chosen point, and ends with ``RESULT {json}`` (success, steps that failed, peak RSS).
Hooks for the tests, by environment variable:
- ``WIRETRACE_TEST_KILL_IN_COMMIT=<asset key>``: SIGKILL this process inside that step's write
  transaction, after its DELETE/INSERT statements and before COMMIT (the worst moment to die).
- ``WIRETRACE_TEST_VANISH=<path>``: delete that file right after the ingest lists the inbox, so it
  disappears between listing and reading, as a file moved away mid-run does.
- ``WIRETRACE_TEST_HOLD_IN=<asset key>`` with ``WIRETRACE_TEST_HOLD_SECONDS``: sleep inside that step while
  it holds the warehouse connection (a run that is busy or hung), after printing ``HOLDING``.
"""

import argparse
import json
import os
import resource
import signal
import sys
import time
from contextlib import contextmanager

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def install_hooks() -> None:
    import orchestration.gx_checks as gx_checks
    import orchestration.stage as stage
    from wiretrace import warehouse

    kill_in_commit = os.environ.get("WIRETRACE_TEST_KILL_IN_COMMIT")
    hold_in = os.environ.get("WIRETRACE_TEST_HOLD_IN")
    hold_seconds = float(os.environ.get("WIRETRACE_TEST_HOLD_SECONDS", "30"))
    current = {"asset": None}

    real_run_stage = stage.run_stage

    def run_stage(context, warehouse_resource, compute, **kwargs):
        key = context.asset_key.to_user_string()
        current["asset"] = key
        say(f"STEP_START {key}")

        def traced_compute(con, partition):
            if key == hold_in:
                say("HOLDING")
                time.sleep(hold_seconds)
            return compute(con, partition)

        return real_run_stage(context, warehouse_resource, traced_compute, **kwargs)

    real_transaction = warehouse.transaction

    @contextmanager
    def transaction(con):
        with real_transaction(con):
            yield con
            if kill_in_commit and current["asset"] == kill_in_commit and stage_writing["on"]:
                say("KILLING_IN_COMMIT")
                os.kill(os.getpid(), signal.SIGKILL)

    stage_writing = {"on": False}
    real_replace = warehouse.replace_partition

    def replace_partition(*args, **kwargs):
        stage_writing["on"] = True
        try:
            return real_replace(*args, **kwargs)
        finally:
            stage_writing["on"] = False

    warehouse.transaction = transaction
    stage.replace_partition = replace_partition
    stage.run_stage = run_stage

    real_validate = gx_checks.validate

    def validate(con, suite, partition, run_id=None):
        current["asset"] = None
        say(f"STEP_START check:{suite.check_name}")
        return real_validate(con, suite, partition, run_id)

    gx_checks.validate = validate

    vanish = os.environ.get("WIRETRACE_TEST_VANISH")
    if vanish:
        import wiretrace.ingest.scan as scan

        real_list_inputs = scan.list_inputs

        def list_inputs(inbox):
            listed = real_list_inputs(inbox)
            if os.path.lexists(vanish):
                os.unlink(vanish)
                say("VANISHED")
            return listed

        scan.list_inputs = list_inputs

    # The asset modules bound run_stage by name at import: point them at the traced one.
    from assets import ALL_ASSET_MODULES

    for module in ALL_ASSET_MODULES:
        if hasattr(module, "run_stage"):
            module.run_stage = run_stage


def peak_rss_mb() -> dict[str, float]:
    # ru_maxrss is in KiB on Linux; children covers the ingest/clean process pools.
    return {"self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def run_night(warehouse: str, inbox: str, night: str, snapshot: str | None = None,
              lock_wait: float = 5.0) -> bool:
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.resources import InboxResource, WarehouseResource

    os.environ["WIRETRACE_SNAPSHOT"] = snapshot or os.path.join(os.path.dirname(warehouse), "analytics.duckdb")
    started = time.monotonic()
    result = defs.resolve_job_def("nightly").execute_in_process(
        partition_key=night,
        resources={"warehouse": WarehouseResource(path=warehouse, lock_wait_seconds=lock_wait),
                   "inbox": InboxResource(path=inbox)},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    failures = {}
    for event in result.all_events:
        if event.is_step_failure:
            failures[event.step_key] = event.step_failure_data.error.message if event.step_failure_data.error else ""
    say("RESULT " + json.dumps({"success": result.success, "run_id": result.run_id, "failures": failures,
                                "seconds": round(time.monotonic() - started, 2), "peak_rss_mb": peak_rss_mb()}))
    return result.success


def serve() -> int:
    import threading

    import orchestration.definitions  # noqa: F401  (the expensive import, done once)

    if threading.active_count() != 1:
        say(f"ERROR cannot fork safely: {threading.active_count()} threads")
        return 2
    say("READY")
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.environ.update(spec.pop("env", {}))
                install_hooks()
                code = 0 if run_night(**spec) else 1
            except BaseException as exc:  # report, never return into the serving loop
                say(f"ERROR {exc!r}")
            finally:
                sys.stdout.flush()
                os._exit(code)
        say(f"CHILD {pid}")
        _, status = os.waitpid(pid, 0)
        say(f"CHILD_EXIT {pid} {os.waitstatus_to_exitcode(status)}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--warehouse")
    parser.add_argument("--inbox")
    parser.add_argument("--night")
    parser.add_argument("--snapshot")
    parser.add_argument("--lock-wait", type=float, default=5.0)
    args = parser.parse_args()
    if args.serve:
        return serve()
    install_hooks()
    say("IMPORTED")
    return 0 if run_night(args.warehouse, args.inbox, args.night, args.snapshot, args.lock_wait) else 1


if __name__ == "__main__":
    sys.exit(main())

"""A locked warehouse fails the step within the bounded wait, naming the holder and what to do.

Three holders: a second run busy in a step, an analyst's read-only connection on the live file, and a
leftover lock (a hung process that still has the file open). Each time the run's first warehouse step
fails with a dagster Failure whose text names the holder's PID, the run fails cleanly (downstream steps
skipped, nothing written) and no step waits much longer than ``lock_wait_seconds``.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.conftest import SAMPLE
from tests.reliability.helpers import Runner
from wiretrace import warehouse

NIGHT = "2025-06-10"
LOCK_WAIT = 2.0
HOLDER = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read_only")
    print("HELD", flush=True)
    sys.stdin.read()  # hold until the test closes stdin
""")


@pytest.fixture
def live_warehouse(tmp_path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    con = warehouse.connect(path)
    warehouse.ensure_schema(con)
    con.close()
    return path


def hold(path: Path, mode: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), mode], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "HELD"
    return proc


def run_ingest_only(path: Path, inbox: Path):
    """raw/documents and its checks for the night, the way a run starts, with a short lock wait."""
    from assets import ALL_ASSET_MODULES
    from orchestration.gx_checks import build_all_suite_checks
    from orchestration.resources import InboxResource, WarehouseResource

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [*dg.load_assets_from_modules(ALL_ASSET_MODULES), *build_all_suite_checks()],
        selection=dg.AssetSelection.assets(["raw", "documents"], ["clean", "articles"]),
        partition_key=NIGHT,
        resources={"warehouse": WarehouseResource(path=str(path), lock_wait_seconds=LOCK_WAIT),
                   "inbox": InboxResource(path=str(inbox))},
        instance=instance,
        raise_on_error=False,
    )
    # How long the failing step ran: from its start to its failure, by the event log's clock.
    times = {e.dagster_event.event_type_value: e.timestamp for e in instance.all_logs(result.run_id)
             if e.dagster_event and e.dagster_event.step_key == "raw__documents"}
    return result, times.get("STEP_FAILURE", times["STEP_START"]) - times["STEP_START"]


def assert_fails_clearly(result, seconds: float, holder_pid: int) -> str:
    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.step_key for e in failures] == ["raw__documents"]
    data = failures[0].step_failure_data
    message = (data.user_failure_data.description if data.user_failure_data else "") or data.error.message
    assert f"PID {holder_pid}" in message, message
    assert "locked" in message and f"kill {holder_pid}" in message and "analytics.duckdb" in message
    assert "waited 2 s" in message
    assert data.error.cls_name == "Failure", data.error.cls_name  # a clean failure, not a stray exception
    started = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
    assert started == {"raw__documents"}  # nothing downstream ran
    assert LOCK_WAIT <= seconds < LOCK_WAIT + 3  # the wait is bounded: no long silent retry
    return message


def assert_nothing_written(path: Path) -> None:
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw.documents").fetchone()[0] == 0
    finally:
        con.close()


def test_an_analyst_connection_on_the_live_file(live_warehouse) -> None:
    holder = hold(live_warehouse, "read_only")
    try:
        result, seconds = run_ingest_only(live_warehouse, SAMPLE)
        assert_fails_clearly(result, seconds, holder.pid)
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    assert_nothing_written(live_warehouse)


def test_a_leftover_lock_from_a_hung_process(live_warehouse) -> None:
    holder = hold(live_warehouse, "read_write")
    try:
        result, seconds = run_ingest_only(live_warehouse, SAMPLE)
        assert_fails_clearly(result, seconds, holder.pid)
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    # Once the holder is gone the same night runs.
    result, _ = run_ingest_only(live_warehouse, SAMPLE)
    assert result.success


@pytest.mark.slow
def test_a_second_concurrent_run(live_warehouse) -> None:
    runner = Runner()
    try:
        pid = runner.start(live_warehouse, SAMPLE, NIGHT,
                           env={"WIRETRACE_TEST_HOLD_IN": "raw/documents", "WIRETRACE_TEST_HOLD_SECONDS": "20"})
        runner.expect("HOLDING", timeout=120)
        result, seconds = run_ingest_only(live_warehouse, SAMPLE)
        assert_fails_clearly(result, seconds, pid)
        code, first = runner.finish(pid)
        assert code == 0 and first["success"]  # the first run is undisturbed
    finally:
        runner.close()


def test_lock_wait_comes_from_the_environment(monkeypatch) -> None:
    from orchestration.resources import default_resources

    monkeypatch.setenv("WIRETRACE_LOCK_WAIT_SECONDS", "7")
    assert default_resources()["warehouse"].lock_wait_seconds == 7.0

"""Scale-out on a real distributed engine: the nightly job through dagster-celery with two Celery workers
and a Redis broker on 127.0.0.1, against a persistent (SQLite) Dagster instance the workers share.

Proves: the same warehouse as the in-process run (per-table checksums without run ids and timestamps),
the warehouse steps never overlapped (duckdb_writer pool), steps ran on the workers, and a failed
critical suite still stops every step downstream of it. Everything started here is stopped at the end.
"""

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE, SEED_NIGHT

pytestmark = pytest.mark.slow

RUN_TIMEOUT_S = 420
DATA_SCHEMAS = ("raw", "clean", "stories", "claims", "reports")
VOLATILE_COLUMNS = {"run_id", "job_name"}  # differ between any two runs by design


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def _stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a process this test started (and its own process group: a worker's pool children)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def celery_cluster(tmp_path_factory):
    redis_server = shutil.which("redis-server")
    assert redis_server, "redis-server is not installed: run scripts/install_redis.sh (CI does)"
    import redis

    from orchestration.celery import worker_config_module

    root = tmp_path_factory.mktemp("celery")
    port = _free_port()
    broker, backend = f"redis://127.0.0.1:{port}/0", f"redis://127.0.0.1:{port}/1"
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")  # pools: duckdb_writer limited to 1
    confdir = root / "celery_conf"
    confdir.mkdir()
    (confdir / "dagster_celery_config.py").write_text(worker_config_module(broker, backend))
    inbox = root / "inbox"
    shutil.copytree(SAMPLE, inbox)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home), "GX_ANALYTICS_ENABLED": "false",
        "WIRETRACE_WAREHOUSE": str(root / "warehouse.duckdb"), "WIRETRACE_INBOX": str(inbox),
        "WIRETRACE_SNAPSHOT": str(root / "analytics.duckdb"), "WIRETRACE_LOCK_WAIT_SECONDS": "30",
        "WIRETRACE_CELERY_BROKER": broker, "WIRETRACE_CELERY_BACKEND": backend,
        "PYTHONPATH": os.pathsep.join([str(confdir), str(REPO)]),
    }
    started: list[subprocess.Popen] = []
    saved_env = {k: os.environ.get(k) for k in env if k.startswith(("WIRETRACE_", "DAGSTER_HOME"))}
    try:
        started.append(subprocess.Popen(
            [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(root)], stdout=open(root / "redis.log", "w"), stderr=subprocess.STDOUT,
            start_new_session=True))
        client = redis.Redis(host="127.0.0.1", port=port)

        def redis_up():
            try:
                return client.ping()
            except redis.exceptions.ConnectionError:
                return False

        _wait_for(redis_up, 20, "redis-server")
        celery_bin = str(Path(sys.executable).with_name("celery"))
        logs = []
        for name in ("w1", "w2"):
            log = root / f"worker_{name}.log"
            logs.append(log)
            started.append(subprocess.Popen(
                [celery_bin, "-A", "dagster_celery.app", "worker", "-Q", "dagster", "-c", "1",
                 "--prefetch-multiplier=1", "-n", f"{name}@%h", "-l", "INFO",
                 "--without-gossip", "--without-mingle"],
                cwd=REPO, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True))
        _wait_for(lambda: all("ready." in p.read_text(errors="replace") for p in logs), 120, "two celery workers")
        # the orchestrating side (this process) uses the same instance, broker and warehouse
        os.environ.update({k: env[k] for k in saved_env})
        yield {"root": root, "home": home, "env": env, "warehouse": root / "warehouse.duckdb", "logs": logs}
    finally:
        for proc in reversed(started):
            _stop(proc)
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run_bounded(fn, timeout: float):
    """Run the job in a thread so a stuck broker or dead workers fail the test instead of hanging it."""
    box = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"celery run did not finish within {timeout}s")
    if "error" in box:
        raise box["error"]
    return box["result"]


def _instance(cluster):
    import dagster as dg

    return dg.DagsterInstance.from_config(str(cluster["home"]))


def table_checksums(path: Path) -> dict[str, tuple[int, str]]:
    """{schema.table: (rows, sha256 of the sorted rows)} over the data schemas and meta.check_results,
    without run ids, job names and TIMESTAMP columns (they differ between any two runs by design)."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND (table_schema IN (SELECT unnest($schemas)) OR (table_schema = 'meta' AND table_name = 'check_results')) "
            "ORDER BY 1, 2", {"schemas": list(DATA_SCHEMAS)}).fetchall()
        out = {}
        for schema, table in tables:
            cols = [c for c, t in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
                "AND table_name = ? ORDER BY ordinal_position", [schema, table]).fetchall()
                    if c not in VOLATILE_COLUMNS and not t.startswith("TIMESTAMP")]
            quoted = ", ".join(f'"{c}"' for c in cols)
            rows = con.execute(f'SELECT {quoted} FROM "{schema}"."{table}"').fetchall()
            digest = hashlib.sha256("\n".join(sorted(repr(r) for r in rows)).encode()).hexdigest()
            out[f"{schema}.{table}"] = (len(rows), digest)
        return out
    finally:
        con.close()


def _step_windows(instance, run_id: str) -> dict[str, tuple[float, float]]:
    import dagster as dg

    starts, ends = {}, {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or record.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            starts[record.step_key] = record.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            ends[record.step_key] = record.timestamp
    return {k: (starts[k], ends[k]) for k in starts if k in ends}


def _workers_used(instance, run_id: str) -> set[str]:
    hosts = set()
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is not None and event.is_engine_event and event.engine_event_data:
            worker = event.engine_event_data.metadata.get("Celery worker")
            if worker is not None:
                hosts.add(str(worker.value))
    return hosts


def test_celery_run_writes_the_same_warehouse_as_in_process(seed_run, celery_cluster):
    from orchestration.celery import execute_nightly_celery

    instance = _instance(celery_cluster)
    result = _run_bounded(lambda: execute_nightly_celery(SEED_NIGHT, instance), RUN_TIMEOUT_S)
    assert seed_run["result"].success, "the in-process reference run failed"
    assert result.success, [e.message for e in result.all_events if e.is_failure]

    celery_sums = table_checksums(celery_cluster["warehouse"])
    reference_sums = table_checksums(seed_run["warehouse"])
    assert set(celery_sums) == set(reference_sums)
    assert celery_sums["clean.articles"][0] == 5 and celery_sums["stories.members"][0] == 5
    differing = {t: (celery_sums[t], reference_sums[t]) for t in celery_sums if celery_sums[t] != reference_sums[t]}
    assert not differing, f"tables differ between the celery and the in-process run: {differing}"

    # every warehouse step is in the duckdb_writer pool (limit 1): no two may have overlapped
    windows = sorted(_step_windows(instance, result.run_id).values())
    assert len(windows) >= 10
    overlaps = [(a, b) for a, b in zip(windows, windows[1:]) if b[0] < a[1]]
    assert not overlaps, f"warehouse steps overlapped: {overlaps}"
    # the steps really ran on the celery workers
    workers = _workers_used(instance, result.run_id)
    assert workers and all(w.startswith(("w1@", "w2@")) for w in workers), workers


def test_failed_blocking_check_stops_downstream_steps(celery_cluster):
    import dagster as dg

    from orchestration.celery import execute_nightly_celery
    from tests.scale.failing_defs import IMPOSSIBLE_SUITE, JOB_NAME

    instance = _instance(celery_cluster)
    result = _run_bounded(lambda: execute_nightly_celery(
        SEED_NIGHT, instance, module="tests.scale.failing_defs", job_name=JOB_NAME), RUN_TIMEOUT_S)
    assert not result.success
    evaluations = {e.asset_check_evaluation_data.check_name: e.asset_check_evaluation_data
                   for e in result.all_events if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION}
    injected = evaluations[IMPOSSIBLE_SUITE.check_name]
    assert injected.passed is False and injected.severity == dg.AssetCheckSeverity.ERROR

    started = {r.step_key for r in instance.all_logs(result.run_id)
               if r.dagster_event is not None and r.dagster_event.event_type == dg.DagsterEventType.STEP_START}
    assert {"raw__documents", "clean__articles"} <= started
    downstream = {"stories__stories", "claims__claims", "marts__views", "marts__analytics_snapshot"}
    assert not (started & downstream), f"steps ran downstream of a failed blocking check: {started & downstream}"

    import duckdb

    con = duckdb.connect(str(celery_cluster["warehouse"]), read_only=True)
    try:
        assets_run = {a for (a,) in con.execute("SELECT asset_key FROM meta.runs WHERE run_id = ?",
                                                [result.run_id]).fetchall()}
    finally:
        con.close()
    assert {"raw/documents", "clean/articles"} <= assets_run
    assert not (assets_run & {"stories/stories", "claims/claims", "marts/views"})

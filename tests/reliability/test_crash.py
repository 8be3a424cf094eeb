"""SIGKILL the nightly run at points in every stage, rerun, and get exactly the uninterrupted result.

A run process is killed either from outside after a random delay once a given step has started, or by
itself inside a step's write transaction after its DELETE/INSERTs and before COMMIT. After every kill
each table must hold, for the night, either nothing or exactly what an uninterrupted run writes (never a
partial or doubled write), and the rerun that follows must end with checksums equal to that run's.

Kills are chained to keep the test affordable: on a fresh warehouse (the first run of a night dies, its
rerun dies later, ...), and on a finished warehouse (reruns die; every table must still equal the
uninterrupted result right after each kill). Each chain ends with a complete run, compared again.
"""

import os
import random
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLE
from tests.reliability.helpers import Runner, mismatches, table_checksums

NIGHT = "2025-06-10"
SEED = int(os.environ.get("WIRETRACE_KILL_SEED", "20250610"))
MAX_DELAY_SECONDS = 1.5
# (step to kill in, how): "commit" = inside its write transaction before COMMIT; "delay" = a random delay
# after the step starts (the step may finish first, so the kill lands in whatever runs then).
FRESH_CHAIN = [("raw/documents", "commit"), ("clean/articles", "delay"), ("stories/stories", "commit")]
RERUN_CHAIN = [("check:clean_articles_suite", "delay"), ("claims/claims", "commit"), ("marts/views", "delay"),
               ("marts/analytics_snapshot", "delay"), ("raw/documents", "delay")]


@pytest.fixture(scope="module")
def runner():
    runner = Runner()
    yield runner
    runner.close()


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    inbox = tmp_path_factory.mktemp("crash") / "inbox"
    shutil.copytree(SAMPLE, inbox)
    return inbox


@pytest.fixture(scope="module")
def uninterrupted(runner, inbox, tmp_path_factory) -> dict:
    warehouse = tmp_path_factory.mktemp("uninterrupted") / "warehouse.duckdb"
    code, result = runner.finish(runner.start(warehouse, inbox, NIGHT))
    assert code == 0 and result["success"], result
    return {"warehouse": warehouse, "checksums": table_checksums(warehouse)}


def kill_run(runner: Runner, warehouse: Path, inbox: Path, step: str, how: str, rng: random.Random) -> dict:
    """Start a run, kill it at the given point; return what happened.

    A delayed kill near the end of the job can land after the run finished (exit 0): the same point is then
    tried again with a shorter delay, so every planned kill really kills a run.
    """
    for attempt in range(4):
        outcome = _kill_once(runner, warehouse, inbox, step, how, rng, MAX_DELAY_SECONDS / 2 ** attempt)
        if outcome["exit_code"] == -9 or how != "delay":
            break
    return outcome | {"attempts": attempt + 1}


def _kill_once(runner, warehouse: Path, inbox: Path, step: str, how: str, rng: random.Random,
               max_delay: float) -> dict:
    env = {"WIRETRACE_TEST_KILL_IN_COMMIT": step} if how == "commit" else {}
    pid = runner.start(warehouse, inbox, NIGHT, env=env)
    last_step, killed_by_us = None, False
    target = f"STEP_START {step}"
    while True:
        line = runner.expect("", timeout=300)
        if line.startswith("STEP_START "):
            last_step = line.removeprefix("STEP_START ")
            if how == "delay" and line == target and not killed_by_us:
                time.sleep(rng.uniform(0, max_delay))
                try:
                    runner.kill(pid)
                    killed_by_us = True
                except ProcessLookupError:
                    pass
        elif line.startswith(f"CHILD_EXIT {pid} "):
            return {"planned": f"{step} ({how})", "last_step_started": last_step,
                    "exit_code": int(line.split()[2])}


def assert_no_partial_write(warehouse: Path, want: dict, *, allow_empty: bool) -> dict:
    got = table_checksums(warehouse)
    bad = {t: v for t, v in mismatches(got, want).items() if not (allow_empty and v[0] == (0, ""))}
    snapshot = warehouse.with_name("analytics.duckdb")
    if snapshot.exists():  # an analyst's copy is either the previous one or the new one, whole
        con = duckdb.connect(str(snapshot), read_only=True)
        try:
            con.execute("SELECT count(*) FROM raw.documents").fetchone()
        finally:
            con.close()
    return bad


def run_chain(runner, inbox, warehouse: Path, chain, want: dict, *, allow_empty: bool, rng) -> list[dict]:
    report = []
    for step, how in chain:
        outcome = kill_run(runner, warehouse, inbox, step, how, rng)
        outcome["mismatches"] = assert_no_partial_write(warehouse, want, allow_empty=allow_empty)
        report.append(outcome)
    code, result = runner.finish(runner.start(warehouse, inbox, NIGHT))
    assert code == 0 and result["success"], result
    report.append({"planned": "final rerun", "exit_code": code,
                   "mismatches": mismatches(table_checksums(warehouse), want)})
    return report


def print_report(title: str, report: list[dict]) -> None:
    print(f"\n{title}")
    for row in report:
        print(f"  {row['planned']:<45} last step {row.get('last_step_started')!s:<40} exit {row['exit_code']:>3}"
              f"  mismatches {len(row['mismatches'])}  attempts {row.get('attempts', 1)}")


def check(report: list[dict]) -> None:
    killed = [r for r in report[:-1] if r["exit_code"] == -9]
    assert len(killed) == len(report) - 1, "every run of the chain must have been killed"
    for row in report:
        assert row["mismatches"] == {}, row


@pytest.mark.slow
def test_kills_during_the_first_run_of_a_night(runner, inbox, uninterrupted, tmp_path) -> None:
    rng = random.Random(SEED)
    report = run_chain(runner, inbox, tmp_path / "warehouse.duckdb", FRESH_CHAIN, uninterrupted["checksums"],
                       allow_empty=True, rng=rng)
    print_report(f"kills on a fresh warehouse (seed {SEED})", report)
    check(report)
    # A killed step stays visible as a started, never finished, step in the provenance table.
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        crashed = con.execute("SELECT count(*) FROM meta.runs WHERE status = 'started'").fetchone()[0]
    finally:
        con.close()
    assert crashed >= 1


@pytest.mark.slow
def test_kills_during_reruns_leave_the_previous_result_whole(runner, inbox, uninterrupted, tmp_path) -> None:
    rng = random.Random(SEED + 1)
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(uninterrupted["warehouse"], warehouse)
    report = run_chain(runner, inbox, warehouse, RERUN_CHAIN, uninterrupted["checksums"], allow_empty=False,
                       rng=rng)
    print_report(f"kills during reruns of a finished night (seed {SEED + 1})", report)
    check(report)
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp"))
    print(f"  leftover snapshot staging files: {leftovers}")

"""The nightly run succeeds while an analyst has the published snapshot open, and the analyst keeps a
consistent view: their open connection reads the old snapshot, a new connection reads the new one.

The analyst is a separate process (as a DuckDB CLI or BI tool would be), because DuckDB's file locks
are per process. As a control, the same analyst pointed at the live warehouse makes the run fail.
"""

import shutil
import subprocess
import sys
import textwrap

import duckdb
import pytest

from tests.conftest import SEED_NIGHT, run_nightly

pytestmark = pytest.mark.slow

# Opens a file read-only, reports which run wrote clean.articles, waits for a line on stdin, reports
# again from the same connection. "READY" only after the connection (and its lock) is held.
ANALYST = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    def report(tag):
        runs = [r[0] for r in con.execute("SELECT DISTINCT run_id FROM clean.articles").fetchall()]
        stories = con.execute("SELECT count(*) FROM marts.stories").fetchone()[0]
        print(tag, ",".join(runs), stories, flush=True)
    report("READY")
    sys.stdin.readline()
    report("AFTER")
""")


class Analyst:
    def __init__(self, path):
        self.proc = subprocess.Popen([sys.executable, "-c", ANALYST, str(path)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.first = self._line("READY")

    def _line(self, tag: str) -> tuple[set[str], int]:
        line = self.proc.stdout.readline().split()
        if not line or line[0] != tag:
            self.proc.kill()
            raise AssertionError(f"analyst process failed: {line} {self.proc.stderr.read()}")
        return set(line[1].split(",")), int(line[2])

    def read_again(self) -> tuple[set[str], int]:
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        result = self._line("AFTER")
        self.proc.wait(timeout=30)
        return result

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture()
def night_copy(seed_run, tmp_path):
    """A private copy of the seed run's warehouse and snapshot (the session's stays untouched)."""
    assert seed_run["result"].success
    shutil.copy(seed_run["warehouse"], tmp_path / "warehouse.duckdb")
    shutil.copy(seed_run["snapshot"], tmp_path / "analytics.duckdb")
    return {"warehouse": tmp_path / "warehouse.duckdb", "snapshot": tmp_path / "analytics.duckdb",
            "inbox": seed_run["inbox"], "old_run": seed_run["result"].run_id}


def test_nightly_run_succeeds_while_an_analyst_reads_the_snapshot(night_copy):
    analyst = Analyst(night_copy["snapshot"])
    try:
        runs_before, stories_before = analyst.first
        assert runs_before == {night_copy["old_run"]} and stories_before >= 1
        inode_before = night_copy["snapshot"].stat().st_ino

        result = run_nightly(night_copy["warehouse"], night_copy["inbox"], SEED_NIGHT,
                             snapshot=night_copy["snapshot"])
        assert result.success, "the nightly run failed while an analyst had the snapshot open"
        assert night_copy["snapshot"].stat().st_ino != inode_before, "the snapshot was not swapped in"

        # The open session still reads the snapshot it opened, whole and consistent.
        assert analyst.read_again() == (runs_before, stories_before)
    finally:
        analyst.close()

    fresh = duckdb.connect(str(night_copy["snapshot"]), read_only=True)
    try:
        runs_now = {r[0] for r in fresh.execute("SELECT DISTINCT run_id FROM clean.articles").fetchall()}
        assert runs_now == {result.run_id} != runs_before
        assert fresh.execute("SELECT count(*) FROM marts.stories").fetchone()[0] == stories_before
    finally:
        fresh.close()
    assert not list(night_copy["snapshot"].parent.glob(".analytics.duckdb.*")), "staging file left behind"


def test_an_analyst_on_the_live_warehouse_would_block_the_run(night_copy):
    """Control: why the snapshot exists. A reader of the live file makes the run fail, naming the holder."""
    analyst = Analyst(night_copy["warehouse"])
    try:
        result = run_nightly(night_copy["warehouse"], night_copy["inbox"], SEED_NIGHT,
                             snapshot=night_copy["snapshot"])
        assert not result.success
        failures = [e for e in result.all_events if e.is_step_failure]
        message = failures[0].step_failure_data.error.cause.message if failures[0].step_failure_data.error.cause \
            else failures[0].step_failure_data.error.message
        assert "locked" in message and "analytics.duckdb" in message, message
    finally:
        analyst.close()

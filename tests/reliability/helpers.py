"""Shared by the reliability tests: table checksums computed in SQL, and a driver for runner.py."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]
# Columns that legitimately differ between two runs of the same night.
VOLATILE_COLUMNS = {"run_id"}
VOLATILE_TYPES = ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def table_checksums(path: Path, schemas_excluded: tuple[str, ...] = ("meta",),
                    ignored_columns: frozenset[str] = frozenset()) -> dict[str, tuple[int, str]]:
    """{schema.table: (rows, md5 over the sorted md5 of every row)} for every base table of the warehouse.

    Row hashes are sorted before they are combined, so no key is needed and duplicates change the sum;
    run ids and timestamps are left out (they differ between two runs of the same night by design).
    """
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns: dict[str, list[str]] = {}
        for schema, table, column, data_type in con.execute(
                """SELECT c.table_schema, c.table_name, c.column_name, c.data_type
                   FROM information_schema.columns c JOIN information_schema.tables t
                     ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                   WHERE t.table_type = 'BASE TABLE' AND t.table_catalog = current_database()
                   ORDER BY c.table_schema, c.table_name, c.column_name""").fetchall():
            if schema in schemas_excluded:
                continue
            kept = columns.setdefault(f"{schema}.{table}", [])
            if column not in VOLATILE_COLUMNS | ignored_columns and data_type not in VOLATILE_TYPES:
                kept.append(column)
        sums = {}
        for table, cols in sorted(columns.items()):
            schema, name = table.split(".")
            # Identifiers come from the catalog (quoted), never from data.
            row = ", ".join(f"{_quote(c)} := {_quote(c)}" for c in cols)
            query = (f"SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '') FROM "
                     f"(SELECT md5(CAST(struct_pack({row}) AS VARCHAR)) AS h FROM {_quote(schema)}.{_quote(name)})")
            count, digest = con.execute(query).fetchone()
            sums[table] = (count, digest)
        return sums
    finally:
        con.close()


def mismatches(got: dict, want: dict) -> dict[str, tuple]:
    return {t: (got.get(t), want.get(t)) for t in sorted(set(got) | set(want)) if got.get(t) != want.get(t)}


class Runner:
    """A ``runner.py --serve`` process: forks one child per night run, which the test may SIGKILL."""

    def __init__(self, extra_env: dict | None = None):
        env = {**os.environ, "GX_ANALYTICS_ENABLED": "false", **(extra_env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.runner", "--serve"], cwd=REPO, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.expect("READY", timeout=120)

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, prefix: str, timeout: float = 120) -> str:
        """Read lines until one starts with ``prefix``; return it."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise TimeoutError(f"no {prefix!r} line within {timeout} s") from None
            if line is None:
                raise RuntimeError(f"runner exited (code {self.proc.poll()}) before {prefix!r}")
            if line.startswith(prefix):
                return line

    def start(self, warehouse: Path, inbox: Path, night: str, env: dict | None = None,
              lock_wait: float = 5.0) -> int:
        spec = {"warehouse": str(warehouse), "inbox": str(inbox), "night": night, "lock_wait": lock_wait,
                "snapshot": str(warehouse.with_name("analytics.duckdb")), "env": env or {}}
        self.proc.stdin.write(json.dumps(spec) + "\n")
        self.proc.stdin.flush()
        return int(self.expect("CHILD ").split()[1])

    def finish(self, pid: int, timeout: float = 300) -> tuple[int, dict | None]:
        """Wait for the child to end; return its exit code and its RESULT (None if it was killed)."""
        result = None
        while True:
            line = self.expect("", timeout)
            if line.startswith("RESULT "):
                result = json.loads(line.removeprefix("RESULT "))
            elif line.startswith(f"CHILD_EXIT {pid} "):
                return int(line.split()[2]), result

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()

"""DuckDB warehouse access: connecting under a lock, schema set-up, and partition writes.

DuckDB admits one writer process and, beside it, no readers from other processes. Every caller goes
through :func:`connect`, which waits a bounded time for a lock and then fails with a message naming the
holder and what to do, instead of a long silent retry and a stack trace.
"""

import hashlib
import os
import re
import time
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.dataset as pa_dataset

REPO_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = REPO_ROOT / "sql"
DEFAULT_WAREHOUSE = "data/warehouse.duckdb"

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")
# Identifiers come from our own DDL, never from data; this guards the few places that must name a table.
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")


class WarehouseLockedError(RuntimeError):
    """Another process holds the warehouse file."""


def warehouse_path() -> Path:
    return Path(os.environ.get("WIRETRACE_WAREHOUSE", DEFAULT_WAREHOUSE))


def _describe_lock(exc: Exception, path: Path, waited: float) -> str:
    match = _LOCK_HOLDER.search(str(exc))
    holder = f"{match['program']} (PID {match['pid']})" if match else "another process"
    return (
        f"The warehouse {path} is locked by {holder}; waited {waited:.0f} s. "
        "DuckDB allows one writer and no other readers. If that process is a nightly run, wait for it; "
        "if it is an analyst session, point it at the published snapshot (data/analytics.duckdb) instead; "
        f"if the process is gone or hung, stop it (kill {match['pid'] if match else '<pid>'}) and rerun."
    )


def connect(
    path: str | os.PathLike | None = None,
    *,
    read_only: bool = False,
    lock_wait_seconds: float | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting up to ``lock_wait_seconds`` for another process's lock to go."""
    target = Path(path) if path is not None else warehouse_path()
    if lock_wait_seconds is None:
        lock_wait_seconds = float(os.environ.get("WIRETRACE_LOCK_WAIT_SECONDS", "30"))
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    delay = 0.1
    while True:
        try:
            return duckdb.connect(str(target), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            waited = time.monotonic() - started
            if waited >= lock_wait_seconds:
                raise WarehouseLockedError(_describe_lock(exc, target, waited)) from exc
            time.sleep(min(delay, max(lock_wait_seconds - waited, 0.05)))
            delay = min(delay * 2, 2.0)


def _checked_identifier(table: str) -> str:
    if not _IDENTIFIER.match(table):
        raise ValueError(f"not a schema-qualified table name: {table!r}")
    return table


def sql_file(relative: str) -> str:
    return (SQL_DIR / relative).read_text(encoding="utf-8")


def ddl_files() -> list[Path]:
    return sorted((SQL_DIR / "ddl").glob("*.sql"))


def migration_files() -> list[Path]:
    return sorted((SQL_DIR / "migrations").glob("*.sql"))


# Created before anything else: it says which migrations an existing warehouse still needs.
_MIGRATIONS_TABLE = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.schema_migrations (version VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL);
"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Bring the warehouse to the current schema; returns the migrations recorded by this call.

    DDL files are idempotent (CREATE ... IF NOT EXISTS, COMMENT ON) and describe the current version.
    A warehouse written by an earlier version first gets its pending migrations (sql/migrations/, in
    order): the DDL's COMMENT ON COLUMN and views name today's columns and would fail on older tables.
    A new warehouse is created by the DDL alone, which already contains every migration: they are
    recorded without running (they ALTER tables that the DDL creates in their final shape).
    """
    applied: list[str] = []
    with transaction(con):
        existing = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name <> 'meta'").fetchone()[0]
        con.execute(_MIGRATIONS_TABLE)
        done = {row[0] for row in con.execute("SELECT version FROM meta.schema_migrations").fetchall()}
        for migration in migration_files():
            version = migration.stem
            if version in done:
                continue
            if existing:
                con.execute(migration.read_text(encoding="utf-8"))
            con.execute(
                "INSERT INTO meta.schema_migrations (version, applied_at) VALUES (?, now())", [version]
            )
            applied.append(version)
        for ddl in ddl_files():
            con.execute(ddl.read_text(encoding="utf-8"))
    return applied


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """One DuckDB transaction: everything inside commits together or not at all."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")


@dataclass(frozen=True)
class TableWrite:
    """Rows for one table, replacing what the partition held before."""

    table: str
    frame: object  # a polars/pandas DataFrame, an Arrow table, or an Arrow dataset (ParquetParts.dataset)
    delete_where: str = "ingest_date = $partition"


def _row_count(frame) -> int:
    return frame.count_rows() if isinstance(frame, pa_dataset.Dataset) else len(frame)


class ParquetParts:
    """A stage's rows written out chunk by chunk, one folder of Parquet files per table, so the stage
    never holds a night's rows at once; ``dataset(table)`` is what a TableWrite loads them from (DuckDB
    scans an Arrow dataset in batches)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.rows: dict[str, int] = {}
        self.chunks: dict[str, int] = {}

    def add(self, table: str, frame) -> None:
        """Write one chunk (a polars DataFrame) of ``table``; every chunk of a table has the same columns."""
        target = self.folder / table
        target.mkdir(parents=True, exist_ok=True)
        n = self.chunks[table] = self.chunks.get(table, 0) + 1
        frame.write_parquet(target / f"part-{n:05d}.parquet", compression="lz4")  # lz4: fast, read once
        self.rows[table] = self.rows.get(table, 0) + frame.height

    def dataset(self, table: str):
        """The table's chunks as one Arrow dataset, or None when no chunk was written."""
        return pa_dataset.dataset(self.folder / table, format="parquet") if table in self.rows else None

    def scan(self, table: str):
        """The table's chunks as a polars LazyFrame (figures over a night's rows without loading them),
        or None when no chunk was written."""
        import polars as pl

        return pl.scan_parquet(self.folder / table / "*.parquet") if table in self.rows else None


def replace_partition(
    con: duckdb.DuckDBPyConnection,
    partition: str,
    writes: Iterable[TableWrite],
    *,
    extra_params: Mapping[str, object] | None = None,
) -> dict[str, int]:
    """Delete the partition's rows and insert the new ones, for every table, in one transaction.

    Columns are matched by name, so a frame may omit nullable columns the table has.
    """
    counts: dict[str, int] = {}
    params = {"partition": partition, **(extra_params or {})}
    writes = list(writes)
    # Register before the transaction and unregister after it: an aborted transaction refuses both.
    views = {}
    for i, write in enumerate(writes):
        if write.frame is not None and _row_count(write.frame):
            views[i] = f"_incoming_{i}"
            con.register(views[i], write.frame)
    try:
        with transaction(con):
            for i, write in enumerate(writes):
                table = _checked_identifier(write.table)
                used = {k: v for k, v in params.items() if f"${k}" in write.delete_where}
                con.execute(f"DELETE FROM {table} WHERE {write.delete_where}", used)
                if i in views:
                    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {views[i]}")
                counts[write.table] = _row_count(write.frame) if i in views else 0
    finally:
        for view in views.values():
            con.unregister(view)
    return counts


def stable_id(prefix: str, *parts: str, length: int = 12) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:length]
    return f"{prefix}{digest}"


def query_frame(con: duckdb.DuckDBPyConnection, query: str, params: Mapping[str, object] | None = None):
    """Run a parameterised query and return a polars DataFrame.

    DuckDB 2.0's ``execute(...)`` result has no ``.pl()`` and copies rows for Arrow; a relation's ``.pl()``
    drains the result at once (the streaming ``.arrow()`` would hold the connection until consumed).
    """
    return con.sql(query, params=dict(params or {})).pl()

"""Publish a read-only copy of the warehouse for analysts.

DuckDB allows one writer and no readers beside it, so analysts never open the live file. After a good
night the whole database (tables, views, comments) is copied to a temporary file and swapped into place
with an atomic rename: an analyst who has the old snapshot open keeps reading it undisturbed.
"""

import os
from pathlib import Path

import duckdb


def publish_snapshot(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    for leftover in (staging, staging.with_name(staging.name + ".wal")):
        leftover.unlink(missing_ok=True)
    source = con.execute("SELECT current_database()").fetchone()[0]
    con.execute("ATTACH $path AS analyst_snapshot", {"path": str(staging)})
    try:
        # The database name comes from DuckDB itself, not from data.
        con.execute(f'COPY FROM DATABASE "{source}" TO analyst_snapshot')
    finally:
        con.execute("DETACH analyst_snapshot")
    os.replace(staging, target)
    return target

import subprocess
import sys
import textwrap

import duckdb
import polars as pl
import pytest

from wiretrace import warehouse
from wiretrace.warehouse import (
    ParquetParts,
    TableWrite,
    WarehouseLockedError,
    replace_partition,
)


@pytest.fixture
def con(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    con.execute("CREATE SCHEMA s; CREATE TABLE s.a (id INT, ingest_date DATE); CREATE TABLE s.b (id INT NOT NULL, ingest_date DATE)")
    yield con
    con.close()


def test_replace_partition_replaces_only_that_night(con):
    night1 = pl.DataFrame({"id": [1, 2], "ingest_date": ["2025-06-08"] * 2}).with_columns(pl.col("ingest_date").str.to_date())
    night2 = pl.DataFrame({"id": [3], "ingest_date": ["2025-06-09"]}).with_columns(pl.col("ingest_date").str.to_date())
    replace_partition(con, "2025-06-08", [TableWrite("s.a", night1)])
    replace_partition(con, "2025-06-09", [TableWrite("s.a", night2)])
    counts = replace_partition(con, "2025-06-08", [TableWrite("s.a", night1)])
    assert counts == {"s.a": 2}
    assert con.execute("SELECT id FROM s.a ORDER BY id").fetchall() == [(1,), (2,), (3,)]


def test_replace_partition_is_one_transaction(con):
    good = pl.DataFrame({"id": [1], "ingest_date": ["2025-06-08"]}).with_columns(pl.col("ingest_date").str.to_date())
    replace_partition(con, "2025-06-08", [TableWrite("s.a", good)])
    bad = pl.DataFrame({"id": [None], "ingest_date": ["2025-06-08"]}, schema={"id": pl.Int32, "ingest_date": pl.String}).with_columns(pl.col("ingest_date").str.to_date())
    with pytest.raises(duckdb.ConstraintException):
        replace_partition(con, "2025-06-08", [TableWrite("s.a", good.with_columns(pl.lit(9).alias("id"))),
                                              TableWrite("s.b", bad)])
    # the delete and insert into s.a rolled back with the failed insert into s.b
    assert con.execute("SELECT id FROM s.a").fetchall() == [(1,)]


def test_parquet_parts_load_every_chunk_of_a_table_in_one_write(con, tmp_path):
    parts = ParquetParts(tmp_path / "parts")
    night = pl.date(2025, 6, 8)
    for ids in ([1, 2], [3], [4, 5, 6]):
        parts.add("a", pl.DataFrame({"id": ids}, schema={"id": pl.Int32}).with_columns(ingest_date=night))
    replace_partition(con, "2025-06-08", [TableWrite("s.a", pl.DataFrame({"id": [9], "ingest_date": [None]},
                                                                        schema={"id": pl.Int32, "ingest_date": pl.Date})
                                                     .with_columns(ingest_date=night))])
    assert parts.rows == {"a": 6} and parts.dataset("b") is None  # no chunk of b: nothing to insert
    counts = replace_partition(con, "2025-06-08", [TableWrite("s.a", parts.dataset("a")),
                                                   TableWrite("s.b", parts.dataset("b"))])
    assert counts == {"s.a": 6, "s.b": 0}
    assert con.execute("SELECT id FROM s.a ORDER BY id").fetchall() == [(i,) for i in range(1, 7)]


def test_replace_partition_rejects_table_names_that_are_not_identifiers(con):
    with pytest.raises(ValueError):
        replace_partition(con, "2025-06-08", [TableWrite("s.a; DROP TABLE s.b", None)])


def test_locked_warehouse_fails_fast_with_the_holder_named(tmp_path):
    path = tmp_path / "locked.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(path)!r})
        print('ready', flush=True)
        sys.stdin.read()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(WarehouseLockedError) as err:
            warehouse.connect(path, lock_wait_seconds=0.5)
        message = str(err.value)
        assert f"PID {holder.pid}" in message
        assert "analytics.duckdb" in message and "waited" in message
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    warehouse.connect(path, lock_wait_seconds=0.5).close()  # free again once the holder is gone


def test_ensure_schema_is_idempotent_and_records_migrations(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    first = warehouse.ensure_schema(con)
    second = warehouse.ensure_schema(con)
    assert second == []
    recorded = {r[0] for r in con.execute("SELECT version FROM meta.schema_migrations").fetchall()}
    assert recorded == set(first) == {p.stem for p in warehouse.migration_files()}

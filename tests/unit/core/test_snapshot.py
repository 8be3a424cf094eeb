"""The published snapshot holds what the warehouse holds, however it was copied."""

import duckdb
import pytest

from wiretrace import warehouse
from wiretrace.snapshot import publish_snapshot


def _contents(con) -> dict:
    tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL").fetchall()
    views = con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY ALL").fetchall()
    rows = {f"{s}.{t}": con.sql(f'SELECT * FROM "{s}"."{t}" ORDER BY ALL').fetchall() for s, t in tables}
    comments = con.execute("SELECT table_name, comment FROM duckdb_tables() ORDER BY ALL").fetchall()
    return {"rows": rows, "views": views, "comments": comments}


def _fill(con) -> None:
    con.execute("CREATE SCHEMA s; CREATE TABLE s.a (id INT, note VARCHAR); COMMENT ON TABLE s.a IS 'notes'")
    con.execute("INSERT INTO s.a SELECT i, 'n' || i FROM range(1000) t(i)")
    con.execute("CREATE VIEW s.v AS SELECT count(*) AS n FROM s.a")


@pytest.mark.parametrize("reader_open", [False, True])
def test_snapshot_of_a_file_warehouse_equals_it(tmp_path, reader_open):
    con = warehouse.connect(tmp_path / "w.duckdb")
    _fill(con)
    if reader_open:  # another connection mid-transaction: its uncommitted rows are not in the copy
        other = con.cursor()
        other.execute("BEGIN TRANSACTION")
        other.execute("INSERT INTO s.a VALUES (-1, 'uncommitted')")
    target = publish_snapshot(con, tmp_path / "snap" / "analytics.duckdb")
    snap = duckdb.connect(str(target), read_only=True)
    assert _contents(snap) == _contents(con)
    assert snap.execute("SELECT count(*) FROM s.a WHERE id < 0").fetchone() == (0,)  # never the uncommitted row
    assert not list(target.parent.glob(".*tmp*"))
    if not reader_open:  # the fast path: the checkpointed file itself, byte for byte
        assert target.read_bytes() == (tmp_path / "w.duckdb").read_bytes()


def test_snapshot_of_an_in_memory_warehouse_equals_it(tmp_path):
    # no file to copy: COPY FROM DATABASE
    con = duckdb.connect()
    _fill(con)
    target = publish_snapshot(con, tmp_path / "analytics.duckdb")
    assert _contents(duckdb.connect(str(target), read_only=True)) == _contents(con)

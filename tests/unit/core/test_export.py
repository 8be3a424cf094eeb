"""Exports: every marts relation as Parquet and CSV; a partition whose rows did not change since the previous
export keeps that export's files (hard links), and whatever changed is written again."""

import json
import os
from pathlib import Path

import duckdb
import pytest

from wiretrace.export import export_marts


@pytest.fixture()
def con():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    con.execute("""CREATE TABLE marts.articles AS SELECT * FROM (VALUES
        (DATE '2026-01-02', 1, [1, 2], 'a'), (NULL, 2, NULL, 'b'), (DATE '2026-01-03', 3, [], 'c'),
        (DATE '2026-01-03', 3, [], 'c')) v(effective_date, x, l, s)""")
    # a timestamp's folder name is escaped (space, colon, plus): it must still map back to its partition
    con.execute("""CREATE TABLE marts.seen AS SELECT * FROM (VALUES (TIMESTAMP '2026-01-02 10:11:12.5', 1),
        (NULL, 2)) v(first_seen, x)""")
    con.execute("CREATE TABLE marts.zoned AS SELECT TIMESTAMPTZ '2026-01-02 10:11:12+03' AS first_seen, 1 AS x")
    con.execute("CREATE VIEW marts.letters AS SELECT x, s FROM marts.articles")  # no date column: one file
    con.execute("CREATE TABLE marts.nothing (effective_date DATE, x INTEGER)")
    yield con
    con.close()


def _by_name(exported):
    return {e.name.removeprefix("marts."): e for e in exported}


def _inodes(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*") if p.suffix in (".parquet", ".csv")}


def _files(out: Path, fmt: str, name: str) -> str:
    """The glob of a relation's files: one folder per partition, or one file."""
    folder = out / fmt / name
    return f"{folder}/*/*.{fmt}" if any(p.is_dir() for p in folder.iterdir()) else f"{folder}/*.{fmt}"


def _read_back(con, out: Path, name: str, columns: str) -> list[tuple]:
    return sorted(con.execute(f"SELECT {columns} FROM read_parquet('{_files(out, 'parquet', name)}', "
                              "hive_partitioning = true)").fetchall(), key=repr)


def _csv_rows(con, out: Path, name: str) -> int:
    return con.execute(f"SELECT count(*) FROM read_csv('{_files(out, 'csv', name)}', hive_partitioning = true)"
                       ).fetchone()[0]


def _rows(con, name: str, columns: str) -> list[tuple]:
    return sorted(con.execute(f"SELECT {columns} FROM marts.{name}").fetchall(), key=repr)


def _assert_export_is_the_warehouse(con, out: Path) -> None:
    # hive partitioning reads an escaped timestamp folder back as text: cast it as the column was
    for name, columns, back in (("articles", "effective_date, x, l, s", None),
                                ("seen", "first_seen, x", "first_seen::TIMESTAMP, x"),
                                ("zoned", "first_seen, x", "first_seen::TIMESTAMPTZ, x"),
                                ("letters", "x, s", None), ("nothing", "x", None)):
        assert _read_back(con, out, name, back or columns) == _rows(con, name, columns), name
        assert _csv_rows(con, out, name) == len(_rows(con, name, columns)), name


def test_the_first_export_writes_every_partition_and_reads_back_the_warehouse(con, tmp_path):
    out = tmp_path / "exports"
    exported = _by_name(export_marts(con, out, dictionary=None))
    assert {n: (e.rows, e.partitions, e.written, e.reused) for n, e in exported.items()} == {
        "articles": (4, 3, 3, 0), "seen": (2, 2, 2, 0), "zoned": (1, 1, 1, 0), "letters": (4, 0, 1, 0),
        "nothing": (0, 0, 1, 0)}
    _assert_export_is_the_warehouse(con, out)
    manifest = {r["name"]: r for r in json.loads((out / "manifest.json").read_text())["relations"]}
    seen = manifest["marts.seen"]["partition_files"]
    assert set(seen) == {"2026-01-02 10:11:12.5", "__HIVE_DEFAULT_PARTITION__"}
    assert all(len(p["files"]) == 2 and all((out / f).is_file() for f in p["files"]) for p in seen.values())


def test_a_second_export_of_the_same_rows_links_every_file(con, tmp_path):
    out = tmp_path / "exports"
    export_marts(con, out, dictionary=None)
    before = _inodes(out)
    exported = _by_name(export_marts(con, out, dictionary=None))
    assert all(e.written == 0 and e.reused == max(e.partitions, 1) for e in exported.values())
    assert _inodes(out) == before  # the same files, not copies
    assert not list(tmp_path.glob(".exports.*"))  # no staging or old folder left behind
    _assert_export_is_the_warehouse(con, out)


def test_only_the_partitions_whose_rows_changed_are_written_again(con, tmp_path):
    out = tmp_path / "exports"
    export_marts(con, out, dictionary=None)
    before = _inodes(out)
    # one copy of a duplicated row goes (the count changes, not the set of rows), a date is added,
    # and the undated row moves to a date
    con.execute("DELETE FROM marts.articles WHERE rowid = (SELECT max(rowid) FROM marts.articles WHERE x = 3)")
    con.execute("INSERT INTO marts.articles VALUES (DATE '2026-01-04', 5, [5], 'e')")
    con.execute("UPDATE marts.articles SET effective_date = DATE '2026-01-02' WHERE x = 2")
    exported = _by_name(export_marts(con, out, dictionary=None))
    articles = exported["articles"]
    assert (articles.rows, articles.partitions, articles.written, articles.reused) == (4, 3, 3, 0)
    assert sorted(articles.partition_files) == ["2026-01-02", "2026-01-03", "2026-01-04"]
    assert not (out / "parquet" / "articles" / "effective_date=__HIVE_DEFAULT_PARTITION__").exists()
    assert exported["letters"].written == 1  # unpartitioned: one changed row rewrites its file
    assert (exported["seen"].written, exported["seen"].reused) == (0, 2)
    after = _inodes(out)
    for name in ("seen", "zoned", "nothing"):
        assert {k: v for k, v in after.items() if f"/{name}/" in k} == {k: v for k, v in before.items()
                                                                        if f"/{name}/" in k}
    _assert_export_is_the_warehouse(con, out)

    con.execute("UPDATE marts.articles SET s = 'changed' WHERE x = 5")  # a value, same date, same count
    exported = _by_name(export_marts(con, out, dictionary=None))
    assert (exported["articles"].written, exported["articles"].reused) == (1, 2)
    _assert_export_is_the_warehouse(con, out)


def test_a_changed_layout_or_a_missing_file_is_written_again(con, tmp_path):
    out = tmp_path / "exports"
    export_marts(con, out, dictionary=None)
    con.execute("ALTER TABLE marts.seen ADD COLUMN note VARCHAR DEFAULT 'n'")
    (out / "parquet" / "zoned" / os.listdir(out / "parquet" / "zoned")[0] / "data_0.parquet").unlink()
    exported = _by_name(export_marts(con, out, dictionary=None))
    assert (exported["seen"].written, exported["seen"].reused) == (2, 0)
    assert (exported["zoned"].written, exported["zoned"].reused) == (1, 0)
    assert (exported["articles"].written, exported["articles"].reused) == (0, 3)
    assert _read_back(con, out, "seen", "note") == [("n",), ("n",)]
    _assert_export_is_the_warehouse(con, out)


def test_an_export_without_fingerprints_in_its_manifest_is_not_reused(con, tmp_path):
    out = tmp_path / "exports"
    export_marts(con, out, dictionary=None)
    manifest = json.loads((out / "manifest.json").read_text())
    for relation in manifest["relations"]:
        relation.pop("partition_files")  # as the exports before fingerprints were written
    (out / "manifest.json").write_text(json.dumps(manifest))
    exported = export_marts(con, out, dictionary=None)
    assert all(e.reused == 0 and e.written == max(e.partitions, 1) for e in exported)
    _assert_export_is_the_warehouse(con, out)

"""DDL, check frames and marts run on DuckDB against the stage's real seed output."""

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[3]
PARTITION = dt.date(2025, 6, 8)


@pytest.fixture(scope="module")
def warehouse(seed_frames, seed_result):
    con = duckdb.connect(":memory:")
    ddl = (ROOT / "sql/ddl/40_claims.sql").read_text()
    con.execute(ddl)
    con.execute(ddl)  # idempotent
    articles, members = seed_frames
    # stand-ins for the colleagues' tables the checks join (clean.articles, stories.members)
    con.execute("CREATE SCHEMA clean; CREATE SCHEMA stories")
    con.register("a", articles.with_columns(pl.lit(PARTITION).alias("ingest_date")))
    con.execute("CREATE TABLE clean.articles AS SELECT * FROM a")
    con.register("m", members)
    con.execute("CREATE TABLE stories.members AS SELECT * FROM m")
    for name, frame in seed_result.tables().items():
        con.register("t", frame.with_columns(pl.lit(PARTITION).alias("ingest_date"), pl.lit("r1").alias("run_id")))
        con.execute(f"INSERT INTO claims.{name} BY NAME SELECT * FROM t")
        con.unregister("t")
    return con


def _check(con, name):
    sql = (ROOT / f"sql/checks/{name}.sql").read_text()
    return con.sql(sql, params={"partition": PARTITION, "run_id": None}).pl()


def test_offsets_check_passes_on_real_output(warehouse):
    frame = _check(warehouse, "claims_offsets")
    assert frame.height > 100
    assert frame["in_body"].all() and frame["slice_matches"].all()


def test_offsets_check_catches_a_bad_offset(warehouse):
    warehouse.execute("CREATE TEMP TABLE backup AS SELECT * FROM claims.sentences")
    warehouse.execute("UPDATE claims.sentences SET char_start = char_start + 1 WHERE sentence_no = 0")
    frame = _check(warehouse, "claims_offsets")
    warehouse.execute("DELETE FROM claims.sentences; INSERT INTO claims.sentences SELECT * FROM backup")
    assert not frame["slice_matches"].all()


def test_support_and_conflict_checks(warehouse):
    support = _check(warehouse, "claims_support")
    assert support.height > 0 and support["has_mention"].all() and support["support_within_story"].all()
    pairs = _check(warehouse, "claims_conflict_pairs")
    assert pairs.height > 0 and pairs["two_articles_of_story"].all()


def test_marts_views(warehouse):
    warehouse.execute((ROOT / "sql/marts/claims_views.sql").read_text())
    by_story = warehouse.sql("SELECT max(independent_origins), max(article_count) FROM marts.claims_by_story").fetchall()[0]
    assert by_story == (2, 5)
    speakers = dict(warehouse.sql("SELECT speaker_name, sum(quote_count) FROM marts.quotes_by_speaker "
                                  "WHERE kind = 'direct' GROUP BY 1").fetchall())
    assert speakers.get("Dmitry Medvedev") == 3
    assert "place" in {r[0] for r in warehouse.sql("SELECT conflict_type FROM marts.conflicts").fetchall()}


def test_every_comment_is_written(warehouse):
    missing = warehouse.sql("SELECT table_name, column_name FROM duckdb_columns() "
                            "WHERE schema_name = 'claims' AND comment IS NULL").fetchall()
    assert missing == []

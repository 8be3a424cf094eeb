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
    # a stand-in for clean.articles; the story tables and views are the real DDL's
    con.execute("CREATE SCHEMA clean")
    con.register("a", articles.with_columns(pl.lit(PARTITION).alias("ingest_date")))
    con.execute("CREATE TABLE clean.articles AS SELECT * FROM a")
    con.execute((ROOT / "sql/ddl/30_stories.sql").read_text())
    con.register("m", members.with_columns(published_date=pl.lit(PARTITION), representative_article_id="article_id",
                                           assigned_night=pl.lit(PARTITION), ingest_date=pl.lit(PARTITION)))
    con.execute("INSERT INTO stories.members BY NAME SELECT * FROM m")
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


def test_support_and_conflict_checks_follow_a_merged_fragment_into_its_live_story(warehouse):
    # the seed story as two fragments (one article in the second), the second merged into the first by a
    # story pass: the claims (computed for the live story, as the claims stage reads it) still fit it
    warehouse.execute("CREATE TEMP TABLE members_backup AS SELECT * FROM stories.members")
    warehouse.execute("""UPDATE stories.members SET story_id = 'st_part' WHERE article_id =
        (SELECT article_b FROM claims.conflicts ORDER BY conflict_id LIMIT 1)""")
    warehouse.execute("""INSERT INTO stories.stories VALUES
        ('st_seed', NULL, 'x', 'x', DATE '2025-06-08', DATE '2025-06-08', 1, 1, 1, NULL, DATE '2025-06-08', 'r1'),
        ('st_part', NULL, 'y', 'y', DATE '2025-06-08', DATE '2025-06-08', 1, 1, 1, 'st_seed', DATE '2025-06-08', 'r1')""")
    try:
        pairs = _check(warehouse, "claims_conflict_pairs")
        support = _check(warehouse, "claims_support")
        spans_fragments = warehouse.sql("""SELECT count(*) FROM claims.conflicts f
            JOIN stories.members a ON a.article_id = f.article_a JOIN stories.members b ON b.article_id = f.article_b
            WHERE a.story_id <> b.story_id""").fetchall()[0][0]
    finally:
        warehouse.execute("DELETE FROM stories.members; INSERT INTO stories.members SELECT * FROM members_backup")
        warehouse.execute("DELETE FROM stories.stories; DROP TABLE members_backup")
    assert spans_fragments > 0  # conflicts between the two fragments exist: the check is exercised
    assert pairs["two_articles_of_story"].all()
    assert support["support_within_story"].all() and support["has_mention"].all()


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


def test_reusable_articles_are_earlier_unchanged_and_carry_their_extracted_speakers(warehouse, seed_frames):
    ids = sorted(seed_frames[0]["article_id"])
    sql = (ROOT / "sql/transforms/claims_reusable_articles.sql").read_text()
    tonight = PARTITION + dt.timedelta(days=1)

    def reusable(members: pl.DataFrame) -> list[str]:
        warehouse.register("_claim_members", members)
        try:
            return [r[0] for r in warehouse.execute(sql, {"partition": tonight}).fetchall()]
        finally:
            warehouse.unregister("_claim_members")

    earlier = pl.DataFrame({"article_id": ids, "ingest_date": [PARTITION] * len(ids)})
    assert reusable(earlier) == ids
    # an article of tonight is extracted, whatever is stored
    assert reusable(earlier.with_columns(ingest_date=pl.when(pl.col("article_id") == ids[0])
                                         .then(pl.lit(tonight)).otherwise("ingest_date"))) == ids[1:]
    named = sorted(set(warehouse.sql("SELECT article_id FROM claims.quotes WHERE speaker_name IS NOT NULL")
                       .pl()["article_id"]) - {ids[1]})[0]
    warehouse.execute("BEGIN")
    try:  # a body cleaned again since, and quotes written before migration 0005
        warehouse.execute("UPDATE clean.articles SET body = 'Updated: ' || body WHERE article_id = ?", [ids[1]])
        warehouse.execute("UPDATE claims.quotes SET extracted_speaker_name = NULL WHERE article_id = ?", [named])
        assert reusable(earlier) == sorted(set(ids) - {ids[1], named})
    finally:
        warehouse.execute("ROLLBACK")


def test_offsets_check_slices_spans_anywhere_in_a_long_body_as_the_whole_body_does():
    # spans sliced from overlapping pieces of the body (sql/checks/claims_offsets.sql) must give what
    # slicing the whole body gives: at piece borders, past 2,048 characters, longer than a piece, at
    # and past the end, backwards, with multi-byte characters before them
    import random

    rng = random.Random(7)
    body = "".join(rng.choice("abcdé€ \n") for _ in range(5000))
    con = duckdb.connect(":memory:")
    con.execute((ROOT / "sql/ddl/40_claims.sql").read_text())
    con.execute("CREATE SCHEMA clean; CREATE TABLE clean.articles (article_id VARCHAR, body VARCHAR, ingest_date DATE)")
    con.execute("INSERT INTO clean.articles VALUES ('a1', ?, ?), ('a2', NULL, ?)", [body, PARTITION, PARTITION])
    starts = [0, 1, 1023, 1024, 1025, 2047, 2048, 2049, 3072, 4095, 4999, 5000, 5001, -1]
    lengths = [0, 1, 7, 1023, 1024, 1025, 2048, 3000, -2]
    spans = [(s, s + n) for s in starts for n in lengths] + [(rng.randrange(5000), 0) for _ in range(50)]
    spans = [(s, e if e else s + rng.randrange(1, 1500)) for s, e in spans]
    # each span twice: with the text it points at, and with one character changed
    texts = [(s, e, body[max(s, 0):max(e, 0)]) for s, e in spans]
    texts += [(s, e, t[:-1] + ("x" if t[-1:] != "x" else "y")) for s, e, t in texts]
    rows = [(f"a1:s{i}", "a1", i, s, e, t) for i, (s, e, t) in enumerate(texts)] + [("a2:s0", "a2", 0, 0, 5, "hello")]
    con.executemany("INSERT INTO claims.sentences VALUES (?, ?, ?, ?, ?, ?, ?, 'r1')", [r + (PARTITION,) for r in rows])
    frame = _check(con, "claims_offsets").sort("row_key")
    whole = con.sql("""SELECT s.sentence_id AS row_key,
                              coalesce(substr(b.body, s.char_start + 1, s.char_end - s.char_start) = s.text, false)
                                  AS slice_matches
                       FROM claims.sentences s LEFT JOIN clean.articles b USING (article_id)""").pl().sort("row_key")
    assert frame.height == len(rows) and frame["row_key"].to_list() == whole["row_key"].to_list()
    assert frame["slice_matches"].to_list() == whole["slice_matches"].to_list()
    # and that is Python's slicing for the spans inside the body
    inside = {r[0]: r[5] == body[r[3]:r[4]] for r in rows if r[1] == "a1" and 0 <= r[3] <= r[4] <= len(body)}
    assert {k: v for k, v in zip(frame["row_key"], frame["slice_matches"]) if k in inside} == inside
    assert sum(inside.values()) > 50 and not all(inside.values())

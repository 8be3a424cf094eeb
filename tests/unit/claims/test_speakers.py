"""One spelling per speaker within a story, and one row per speaker in marts.quotes_by_speaker."""

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl

from wiretrace.claims import extract_claims
from wiretrace.claims.normalize import canonicalise_speakers, speaker_key

ROOT = Path(__file__).resolve().parents[3]


def test_speaker_key_folds_spelling_case_and_apostrophes():
    assert speaker_key("Russia’s defence ministry") == speaker_key("Russia's Defense Ministry")
    assert speaker_key("Volodymyr Zelensky") == speaker_key("Volodymyr Zelenskyy")
    assert speaker_key("The Russian Defense Ministry") != speaker_key("Russia's Defense Ministry")
    assert speaker_key("Ted Cruz") != speaker_key("Ted Lieu")


def test_most_articles_win_then_earliest():
    rows = [dict(article_id=a, char_start=s, speaker_name=n) for a, s, n in [
        ("a1", 5, "Russia’s defence ministry"), ("a2", 9, "Russia's defence ministry"),
        ("a3", 1, "Russia's Defense Ministry"), ("a3", 50, "Russia's Defense Ministry"), ("a3", 70, "Joe Biden")]]
    canonicalise_speakers(rows, {"a1": 0, "a2": 1, "a3": 2})
    assert [r["speaker_name"] for r in rows[:4]] == ["Russia’s defence ministry"] * 4
    assert rows[4]["speaker_name"] == "Joe Biden"
    tie = [dict(article_id="b", char_start=0, speaker_name="the Defense Department"),
           dict(article_id="a", char_start=0, speaker_name="the Defence Department")]
    canonicalise_speakers(tie, {"a": 0, "b": 1})
    assert {r["speaker_name"] for r in tie} == {"the Defence Department"}


def test_seed_story_has_one_defence_ministry(seed_result):
    quotes = seed_result.quotes.filter(pl.col("speaker_text").str.contains("(?i)russia.s defen[cs]e ministry"))
    assert set(quotes["article_id"]) >= {"000_f1e85874afc97763", "002_e51e31a3faca41e8"}
    assert quotes["speaker_name"].n_unique() == 1
    assert quotes["speaker_name"][0].replace("’", "'") == "Russia's defence ministry"
    assert "Russia's Defense Ministry" in quotes["speaker_text"].to_list()  # the article's own form is kept


def test_mart_merges_variants_across_stories():
    bodies = {"x1": "Russia's Defense Ministry said its forces had taken three villages near the river.",
              "x2": "Russia’s defence ministry said on Monday that its troops had repelled four attacks overnight."}
    articles = pl.DataFrame([dict(article_id=a, outlet=a, title="", body=b, published_date=dt.date(2025, 6, 8))
                             for a, b in bodies.items()])
    members = pl.DataFrame([dict(article_id="x1", story_id="s1", copy_group_id="g1"),
                            dict(article_id="x2", story_id="s2", copy_group_id="g2")])
    res = extract_claims(articles, members)
    assert res.quotes["speaker_name"].to_list() == ["Russia's Defense Ministry", "Russia’s defence ministry"]
    con = duckdb.connect(":memory:")
    con.execute((ROOT / "sql/ddl/40_claims.sql").read_text())
    con.execute("CREATE SCHEMA stories")
    con.register("m", members)
    con.execute("CREATE TABLE stories.members AS SELECT * FROM m")
    con.register("q", res.quotes.with_columns(pl.lit(dt.date(2025, 6, 8)).alias("ingest_date")))
    con.execute("INSERT INTO claims.quotes BY NAME SELECT * FROM q")
    con.execute((ROOT / "sql/marts/claims_views.sql").read_text())
    rows = con.sql("SELECT speaker_name, quote_count, story_count, name_variants FROM marts.quotes_by_speaker").fetchall()
    assert len(rows) == 1 and rows[0][1:3] == (2, 2) and len(rows[0][3]) == 2


def test_two_workers_and_chunked_collection_give_the_same_tables(seed_frames, monkeypatch):
    from wiretrace.claims import pipeline
    articles, members = seed_frames
    # three stories: the seeds as they are and two renamed copies
    arts = pl.concat([articles.with_columns(pl.col("article_id") + f"_{k}") for k in range(3)])
    mems = pl.concat([members.with_columns(pl.col("article_id") + f"_{k}", pl.lit(f"st_{k}").alias("story_id"))
                      for k in range(3)])
    monkeypatch.setattr(pipeline, "POOL_MIN_ARTICLES", 0)  # the pool even for a few articles
    one, two = extract_claims(arts, mems, workers=1), extract_claims(arts, mems, workers=2)
    monkeypatch.setattr(pipeline, "FLUSH_ROWS", 1)  # every story's rows become their own DataFrame chunk
    chunked = extract_claims(arts, mems, workers=2)
    for name, frame in one.tables().items():
        assert frame.height > 0
        assert frame.equals(two.tables()[name]), name
        assert frame.equals(chunked.tables()[name]), name


def test_speaker_conflicts_point_at_the_written_names_once_per_pair_of_names():
    # "he" is resolved to the name written earlier; two copies naming the other speaker give one conflict
    quote = '"This vulnerability is actively exploited and it is getting worse every single day,"'
    bodies = {"a": f"Paul Ferguson, a researcher, studied the flaw for months.\n\n{quote} he said.",
              "b": f"Betty Trend, an analyst, reviewed the report.\n\n{quote.replace('every single', 'each')} Trend said.",
              "c": f"Betty Trend, an analyst, read the report.\n\n{quote.replace('every single', 'each')} Trend said."}
    articles = pl.DataFrame([dict(article_id=a, outlet=a, title="", body=b, published_date=dt.date(2025, 6, 8))
                             for a, b in bodies.items()])
    members = pl.DataFrame([dict(article_id=a, story_id="s1", copy_group_id=a) for a in bodies])
    conflicts = extract_claims(articles, members).conflicts
    assert conflicts["conflict_id"].is_unique().all()
    for row in conflicts.iter_rows(named=True):  # every value is where its offsets say
        assert bodies[row["article_a"]][row["a_start"]:row["a_end"]] == row["value_a"]
        assert bodies[row["article_b"]][row["b_start"]:row["b_end"]] == row["value_b"]
    speakers = conflicts.filter(pl.col("conflict_type") == "speaker")
    assert speakers.select("value_a", "value_b").rows() == [("Paul Ferguson", "Betty Trend")]


def test_stored_extraction_of_earlier_articles_gives_the_tables_of_extracting_them_again(seed_frames, monkeypatch):
    from wiretrace.claims import PER_ARTICLE_TABLES, STORED_AS_IS_TABLES, pipeline

    seeds, seed_members = seed_frames
    night = dt.date(2025, 6, 8)
    ministry = {"x1": "Russia's Defense Ministry said its forces had taken three villages on Monday.",
                "x2": "Russia’s defence ministry said on Monday that its troops had repelled 4 attacks.",
                "x3": "Russia’s defence ministry said on Tuesday it had shot down 12 drones overnight.",
                "x4": "Russia’s defence ministry said its air defences were on alert, citing 12 drones."}
    articles = pl.concat([seeds, pl.DataFrame(
        [dict(article_id=a, outlet=a, title="", body=b, published_date=night + dt.timedelta(days=int(a[1])))
         for a, b in ministry.items()], schema=seeds.schema)])
    members = pl.concat([seed_members, pl.DataFrame(
        [dict(article_id=a, story_id="st_ministry", copy_group_id=f"cg_{a}") for a in ministry])])
    # last night the story held x1, x2 and two seed copies: "Defense" (the earlier article) won the tie
    earlier = ["x1", "x2", *seeds["article_id"][:2]]
    last_night = extract_claims(articles.filter(pl.col("article_id").is_in(earlier)),
                                members.filter(pl.col("article_id").is_in(earlier)))
    stored = {name: getattr(last_night, name) for name in PER_ARTICLE_TABLES}
    x2 = stored["quotes"].filter(article_id="x2")
    assert x2["speaker_name"].to_list() == ["Russia's Defense Ministry"]
    assert x2["extracted_speaker_name"].to_list() == ["Russia’s defence ministry"]

    fresh = extract_claims(articles, members)
    extracted = []
    monkeypatch.setattr(pipeline, "process_article",
                        lambda article_id, *rest, f=pipeline.process_article: extracted.append(article_id) or f(article_id, *rest))
    reused = extract_claims(articles, members, stored=stored)
    assert sorted(extracted) == sorted(set(articles["article_id"]) - set(earlier))  # only tonight's
    for name, frame in fresh.tables().items():
        assert frame.height > 0, name
        if name in STORED_AS_IS_TABLES:  # the earlier articles' rows are not returned: they stay as stored
            tonight = frame.filter(~pl.col("article_id").is_in(earlier))
            assert tonight.height and reused.tables()[name].equals(tonight), name
            assert stored[name].equals(frame.filter(pl.col("article_id").is_in(earlier))), name
        else:
            assert frame.equals(reused.tables()[name]), name
    # tonight's copies outvote it: every article, the stored ones too, takes the majority's spelling
    ministry_quotes = fresh.quotes.filter(pl.col("article_id").str.starts_with("x"))
    assert set(ministry_quotes["speaker_name"].str.replace("’", "'")) == {"Russia's defence ministry"}

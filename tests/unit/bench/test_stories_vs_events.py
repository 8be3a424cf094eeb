"""The pipeline benchmark scores a night's stories against the events its corpus was generated from."""

import polars as pl

from benchmarks.bench_pipeline import stories_vs_events


def _write(tmp_path, stories: list[str]):
    corpus = pl.DataFrame({"document_id": ["a", "b", "c", "d", "e"], "event_id": [1, 1, 2, 2, 3]})
    members = pl.DataFrame({"article_id": ["a", "b", "c", "d", "e"], "story_id": stories,
                            "copy_group_id": ["g1", "g2", "g3", "g4", "g5"]})
    corpus.write_parquet(tmp_path / "corpus.parquet")
    members.write_parquet(tmp_path / "members.parquet")
    return stories_vs_events(tmp_path / "corpus.parquet", tmp_path / "members.parquet")


def test_stories_equal_to_the_events_score_one(tmp_path):
    score = _write(tmp_path, ["s1", "s1", "s2", "s2", "s3"])
    assert (score["precision"], score["recall"], score["f1"], score["ari"]) == (1.0, 1.0, 1.0, 1.0)
    assert (score["articles"], score["events"], score["stories"]) == (5, 3, 3)


def test_two_events_merged_cost_precision_and_a_split_event_costs_recall(tmp_path):
    merged = _write(tmp_path, ["s1", "s1", "s1", "s1", "s3"])
    # a, b, c, d each share their story with 4 articles, 2 of their own event: precision (4 * 2/4 + 1) / 5
    assert merged["precision"] == 0.6 and merged["recall"] == 1.0
    split = _write(tmp_path, ["s1", "s2", "s3", "s3", "s4"])
    assert split["precision"] == 1.0 and split["recall"] == 0.8  # a and b each alone: (1/2 + 1/2 + 3) / 5

"""The benchmark corpus: events built from real articles, and how often two events read alike."""

import itertools

import polars as pl
import pytest

from benchmarks.corpus import CorpusShape, Vocabulary, generate, load_real_texts


@pytest.fixture(scope="module")
def small_vocabulary() -> Vocabulary:
    # few real texts for many events: the reuse a ten-night 10k corpus has over ~950 texts, made small
    return Vocabulary(load_real_texts()[:40])


def _near_rewrite_pairs(corpus: pl.DataFrame) -> int:
    """Pairs of event originals whose word sets overlap by Jaccard >= 0.3."""
    texts = corpus.filter(pl.col("copy_kind") == "original")["raw_text"].to_list()
    sets = [set(t.lower().split()) for t in texts]
    return sum(len(a & b) >= 0.3 * len(a | b) for a, b in itertools.combinations(sets, 2))


def test_every_article_of_an_event_carries_the_events_source_text(small_vocabulary):
    corpus = generate(600, 2, seed=3, shape=CorpusShape(html_share=0), vocabulary=small_vocabulary)
    per_event = corpus.group_by("event_id").agg(pl.col("source_text").n_unique())
    assert (per_event["source_text"] == 1).all()
    assert corpus["source_text"].is_between(0, len(small_vocabulary.docs) - 1).all()
    assert corpus["source_text"].n_unique() > 20  # drawn over the texts, not one


@pytest.mark.parametrize("seed", [2, 3])
def test_events_cut_from_several_articles_read_alike_far_less_often(small_vocabulary, seed):
    one = generate(600, 1, seed=seed, shape=CorpusShape(html_share=0), vocabulary=small_vocabulary)
    four = generate(600, 1, seed=seed, shape=CorpusShape(html_share=0, event_sources=4), vocabulary=small_vocabulary)
    assert one["event_id"].n_unique() == four["event_id"].n_unique()
    near_one, near_four = _near_rewrite_pairs(one), _near_rewrite_pairs(four)
    assert near_one > 50  # the single-article events do reuse their texts
    assert near_four <= near_one / 2  # measured 3-4.5x fewer (seeds 2-5)

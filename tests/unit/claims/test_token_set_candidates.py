"""The sentence grouping's bound on the token-set ratio drops only pairs that cannot reach the cutoff."""

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from wiretrace.claims.align import _token_set_candidates

CUTOFF = 88
VOCABULARY = ["a", "of", "tax", "said", "paris", "london", "minister", "thousands", "government", "announcement",
              "12", "1500", "2024", "strike", "strikes", "police", "polices", "killed", "kills", "city"]


def _passes(a: list[str], b: list[str]) -> bool:
    return len(set(a) & set(b)) >= 7 and fuzz.token_set_ratio(" ".join(a), " ".join(b), score_cutoff=CUTOFF) > 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(VOCABULARY), min_size=5, max_size=16), min_size=2, max_size=12),
       st.data())
def test_no_pair_that_reaches_the_cutoff_is_dropped(sentences, data):
    pairs = sorted({tuple(sorted(p)) for p in data.draw(st.lists(
        st.tuples(st.integers(0, len(sentences) - 1), st.integers(0, len(sentences) - 1))
        .filter(lambda p: p[0] != p[1]), min_size=1, max_size=30))})
    ii, jj = [p[0] for p in pairs], [p[1] for p in pairs]
    kept = set(_token_set_candidates(sentences, ii, jj, min_shared=7, cutoff=CUTOFF))
    assert kept <= set(pairs)
    for i, j in pairs:
        if _passes(sentences[i], sentences[j]):
            assert (i, j) in kept, (sentences[i], sentences[j])
        if len(set(sentences[i]) & set(sentences[j])) < 7:
            assert (i, j) not in kept


def test_pairs_far_from_the_cutoff_are_dropped_and_near_ones_kept():
    core = "a of tax said 12 city paris".split()  # 7 shared words
    sentences = [
        core + ["government", "announcement", "thousands"],
        core + ["1500", "2024", "12000"],  # the words only in each side share no character
        core + ["1500", "polices", "strikes", "kills"],  # they share a few (token-set ratio 67)
        core + ["government", "announcements", "thousands"],  # one letter apart (99)
        core,  # a subset scores 100
        core[:6] + ["london"],  # 6 shared words only
    ]
    kept = _token_set_candidates(sentences, [0] * 5, [1, 2, 3, 4, 5], min_shared=7, cutoff=CUTOFF)
    assert kept == [(0, 3), (0, 4)]
    assert [_passes(sentences[0], sentences[k]) for k in range(1, 6)] == [False, False, True, True, False]


def test_no_pairs():
    assert _token_set_candidates([["a"], ["b"]], [], [], min_shared=7, cutoff=CUTOFF) == []


def test_the_spaces_between_words_count_as_shared_characters():
    # the words only in each side share no letter, yet the joined strings' spaces align: 89 > 88
    core = "tax said riot police city paris army".split()
    sentences = [core + list("bcdef"), core + list("ghijk")]
    assert _passes(*sentences)
    assert _token_set_candidates(sentences, [0], [1], min_shared=7, cutoff=CUTOFF) == [(0, 1)]

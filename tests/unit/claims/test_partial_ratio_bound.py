"""The quote grouping's bound on the partial ratio never drops a pair that reaches the cutoff."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from wiretrace.claims.align import _partial_ratio_may_reach

TEXT = st.text(alphabet="abcde ", min_size=1, max_size=40)


@settings(max_examples=500, deadline=None)
@given(TEXT, TEXT, st.sampled_from([50, 70, 90]))
def test_the_bound_never_drops_a_pair_that_reaches_the_cutoff(a, b, cutoff):
    if fuzz.partial_ratio(a, b, score_cutoff=cutoff):
        assert _partial_ratio_may_reach(a, b, cutoff)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.data())
def test_the_bound_holds_for_strings_of_equal_length(a, data):
    b = data.draw(st.text(alphabet="abcde ", min_size=len(a), max_size=len(a)))
    if fuzz.partial_ratio(a, b, score_cutoff=70):
        assert _partial_ratio_may_reach(a, b, 70)


@pytest.mark.parametrize(("a", "b", "cutoff", "may"), [
    ("we will not give up our land", "they said we will not give up our land to anyone", 90, True),  # contained
    ("we will not give up our land", "we shall never surrender the fight for freedom", 90, False),  # 56
    ("prices rose sharply in march", "prices fell sharply in april", 90, False),  # 81
    ("the talks were constructive", "the talks were constructive", 90, True),
    # a window shorter than the shorter string, at the longer one's end: "a" scores 2 * 1 / (2 + 1)
    ("aa", "bccba", 60, True),
])
def test_the_bound_settles_pairs_far_below_the_cutoff_and_keeps_the_rest(a, b, cutoff, may):
    assert _partial_ratio_may_reach(a, b, cutoff) is may
    assert (fuzz.partial_ratio(a, b, score_cutoff=cutoff) > 0) is may

"""The runs of a word alignment that can hold a changed number or name: 1-3 words replaced by 1-3."""

import pytest

from wiretrace.claims.align import _small_replacements


def _runs(a: str, b: str):
    a, b = a.split(), b.split()
    return [(" ".join(a[a0:a1]), " ".join(b[b0:b1])) for a0, a1, b0, b1 in _small_replacements(a, b)]


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("12 people died in paris", "14 people died in paris", [("12", "14")]),
    ("12 people died in paris", "12 people died in lyon", [("paris", "lyon")]),
    # two separate changes are two runs, in order
    ("12 people died in paris", "14 people died in lyon", [("12", "14"), ("paris", "lyon")]),
    # a run of deletes and inserts between equal blocks is one replacement
    ("storm hit the north coast", "storm hit the south west coast", [("north", "south west")]),
    # pure insertions and deletions change no slot
    ("storm hit the coast", "storm hit the north coast", []),
    ("storm hit the north coast", "storm hit the coast", []),
    ("same words here", "same words here", []),
    # longer rewrites are not slot changes
    ("a b c d e f", "a w x y z f", []),
    ("a b c d e f", "a w x y e f", [("b c d", "w x y")]),
    # at the ends
    ("paris is calm", "lyon is calm", [("paris", "lyon")]),
    ("the toll is 12", "the toll is 14", [("12", "14")]),
])
def test_small_replacements(a, b, expected):
    assert _runs(a, b) == expected


def test_the_size_limit_is_a_parameter():
    a, b = "a b c d e f".split(), "a w x y z f".split()
    assert _small_replacements(a, b, most=4) == [(1, 5, 1, 5)]

"""Sentence and word diffs behind the story report's side-by-side view."""

from hypothesis import given, settings
from hypothesis import strategies as st

from wiretrace.report import diff_copy, word_diff

REP = ("Russia said Sunday it was pushing an offensive. "
       "He told AFP in the town of Mezhyra, around a dozen kilometers from the border. "
       "Dnipropetrovsk had an estimated population of 3 million. "
       "Ukraine said the two sides had never agreed a date.")


def _text(segments, keep=("del", "ins", None)):
    return "".join(s.text for s in segments if s.change in keep)


def test_word_diff_marks_only_the_changed_words():
    left, right, ratio = word_diff("in the town of Mezhyra, around", "in the town of Mezhova, around")
    assert [s.text for s in left if s.change == "del"] == ["Mezhyra"]
    assert [s.text for s in right if s.change == "ins"] == ["Mezhova"]
    assert _text(left) == "in the town of Mezhyra, around"
    assert _text(right) == "in the town of Mezhova, around"
    assert 0.5 < ratio < 1.0


def test_identical_copy_has_no_changes():
    diff = diff_copy(REP, REP)
    assert diff.identical
    assert {row.kind for row in diff.rows} == {"equal"}
    assert len(diff.rows) == 4


def test_quote_style_and_spacing_are_not_edits():
    copy = REP.replace("Sunday it", "Sunday  it").replace("said", "said")
    assert diff_copy(copy.replace("'", "’"), REP).identical


def test_edited_dropped_and_added_sentences():
    copy = (REP.replace("Mezhyra", "Mezhova").replace("kilometers", "kilometres")
            .replace("Dnipropetrovsk had an estimated population of 3 million. ", "")
            + " Tens of thousands have been killed.")
    diff = diff_copy(copy, REP)
    assert (diff.changed, diff.removed, diff.inserted) == (1, 1, 1)
    edited = next(r for r in diff.rows if r.kind == "replace")
    assert [s.text for s in edited.left if s.change == "del"] == ["Mezhyra", "kilometers"]
    assert [s.text for s in edited.right if s.change == "ins"] == ["Mezhova", "kilometres"]
    removed = next(r for r in diff.rows if r.kind == "delete")
    assert "3 million" in _text(removed.left) and removed.right == ()
    inserted = next(r for r in diff.rows if r.kind == "insert")
    assert _text(inserted.right) == "Tens of thousands have been killed." and inserted.left == ()


def test_unrelated_replacement_is_a_removal_and_an_insertion_not_a_word_diff():
    diff = diff_copy("Completely different words appear here instead.", "Russia said Sunday it was pushing.")
    assert (diff.changed, diff.removed, diff.inserted) == (0, 1, 1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(REP.split(". ") + ["New sentence here", "Another one"]), max_size=8))
def test_both_sides_reassemble_to_the_two_texts(sentences):
    copy = ". ".join(sentences) + ("." if sentences else "")
    diff = diff_copy(copy, REP)
    left = [_text(r.left) for r in diff.rows if r.left]
    right = [_text(r.right) for r in diff.rows if r.right]
    from wiretrace.report.diff import split_sentences
    assert left == split_sentences(REP)
    assert right == split_sentences(copy)
    assert diff.inserted + diff.changed + sum(r.kind == "equal" for r in diff.rows) == len(right)

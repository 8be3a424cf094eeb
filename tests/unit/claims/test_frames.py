"""Attribution frames on new sentences (not the annotated examples): each rule the stage relies on."""

import pytest

from wiretrace.claims.quotes import extract_quotes
from wiretrace.claims.sentences import split_sentences


def _quotes(text):
    return extract_quotes("t", text, split_sentences(text))


def _by_kind(text, kind):
    return [(q["quote_text"], q["speaker_name"]) for q in _quotes(text) if q["kind"] == kind]


@pytest.mark.parametrize("text,content,speaker", [
    ("Rep. Pete Aguilar told reporters the caucus would meet again on Friday.",
     "the caucus would meet again on Friday", "Pete Aguilar"),
    ("Unions objected to the plan, saying it would cut pensions for retired teachers.",
     "it would cut pensions for retired teachers", "Unions"),
    ("The bridge will reopen in March, its chief engineer, Maria Lopez, said Tuesday.",
     "The bridge will reopen in March", "Maria Lopez"),
    ("Aides to the governor said the veto would come before the weekend.",
     "the veto would come before the weekend", "Aides to the governor"),
])
def test_indirect_frames(text, content, speaker):
    assert (content, speaker) in _by_kind(text, "indirect")


def test_role_description_resolves_to_the_person_named_before():
    text = "Sen. Mark Warner said the panel would subpoena the records. The senator added that the talks had stalled over funding."
    assert ("the talks had stalled over funding", "Mark Warner") in _by_kind(text, "indirect")


def test_mixed_quote_is_one_attribution():
    rows = _quotes("Gov. Jared Polis said the rollout had been “a total mess” from the start.")
    assert [(q["kind"], q["speaker_name"]) for q in rows] == [("partial", "Jared Polis")]


def test_colon_quote_after_a_document_names_its_source():
    rows = _quotes("The letter from the Senate Ethics Committee was brief: “The matter is closed.”")
    assert [(q["quote_text"], q["speaker_name"]) for q in rows] == [
        ("The matter is closed.", "Senate Ethics Committee")]


@pytest.mark.parametrize("text", [
    "The so-called “Big Beautiful Bill” passed the House on Thursday.",
    "She told CBS's “Face the Nation” that she would not run. “I'm done,” she said.",
])
def test_titles_and_scare_quotes_are_not_speech(text):
    assert all(q["quote_text"] not in ("Big Beautiful Bill", "Face the Nation") for q in _quotes(text))

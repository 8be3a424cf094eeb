"""Component rules on small hand-made inputs (not the seeds)."""

import datetime as dt

import pytest

from wiretrace.claims.dates import extract_dates
from wiretrace.claims.normalize import fold_word, names_equivalent
from wiretrace.claims.quantities import extract_quantities, words_to_number
from wiretrace.claims.quotes import extract_quotes
from wiretrace.claims.sentences import split_sentences


def _sentences(text):
    return [text[s:e] for s, e in split_sentences(text)]


def test_sentences_keep_abbreviations_and_initials():
    text = 'Sen. Elizabeth Warren (D-Mass.) met U.S. officials. John F. Kennedy spoke. "Go," he said.'
    assert _sentences(text) == ['Sen. Elizabeth Warren (D-Mass.) met U.S. officials.', "John F. Kennedy spoke.",
                                '"Go," he said.']


def test_sentences_split_glued_paragraphs():
    assert _sentences("It fell in Dnipro.Russia said so. It was “over”.The end came.") == [
        "It fell in Dnipro.", "Russia said so.", "It was “over”.", "The end came."]


@pytest.mark.parametrize("a,b,same", [
    ("Lugansk", "Luhansk", True), ("Kiev", "Kyiv", True), ("Zelensky", "Zelenskyy", True),
    ("Kharkiv", "Kharkov", True), ("U.S.", "US", True),
    ("Mezhyra", "Mezhova", False), ("Donetsk", "Donbas", False), ("Tim", "Tom", False), ("Biden", "Bidet", False),
])
def test_transliteration_variants_but_not_other_names(a, b, same):
    assert names_equivalent(a, b) is same


@pytest.mark.parametrize("brit,amer", [("recognise", "recognize"), ("defence", "Defense"),
                                       ("kilometres", "kilometers"), ("colour", "color"), ("organisation", "organization")])
def test_spelling_conventions_fold(brit, amer):
    assert fold_word(brit) == fold_word(amer)


def test_words_to_number():
    assert words_to_number("three million") == 3_000_000
    assert words_to_number("a dozen") == 12
    assert words_to_number("twenty-five thousand") == 25_000
    assert words_to_number("1,200") == 1200


def test_quantities_with_qualifier_and_unit():
    text = "More than 1,200 bodies arrived, officials said, and nearly 3 million people fled on June 2 in 2022."
    rows = {r["surface"]: r for r in extract_quantities("a", text)}
    assert rows["More than 1,200"]["value"] == 1200 and rows["More than 1,200"]["qualifier"] == "more than"
    assert rows["More than 1,200"]["unit"] == "bodies"
    assert rows["nearly 3 million"]["value"] == 3_000_000 and rows["nearly 3 million"]["unit"] == "people"
    assert "2" not in rows and "2022" not in rows  # a date's day and a year are not quantities


def test_dates_resolve_relative_to_publication():
    pub = dt.date(2025, 6, 8)  # a Sunday
    rows = {r["surface"]: r for r in extract_dates("a", "On Saturday, after talks last week and since February 2022, "
                                                   "it said talks would resume next week, not June 20, 2024.", pub)}
    assert rows["Saturday"]["resolved_date"] == dt.date(2025, 6, 7) and rows["Saturday"]["relative"]
    assert rows["last week"]["granularity"] == "week" and rows["last week"]["resolved_date"] == dt.date(2025, 6, 1)
    assert rows["February 2022"]["granularity"] == "month"
    assert rows["next week"]["resolved_date"] == dt.date(2025, 6, 9)
    assert rows["June 20, 2024"]["resolved_date"] == dt.date(2024, 6, 20) and not rows["June 20, 2024"]["relative"]


def _quotes(text):
    return {r["quote_text"]: r for r in extract_quotes("a", text, split_sentences(text))}


def test_inverted_frame_titles_and_carry_over():
    q = _quotes("“It's reckless,” said Rep. Jim Jordan (R-Ohio). “It will fail.”\n“And it should.”")
    assert q["It's reckless"]["speaker_name"] == "Jim Jordan"
    assert q["It will fail."]["speaker_name"] == "Jim Jordan"
    assert q["And it should."]["speaker_resolution"] == "carry_over"


def test_pronoun_colon_and_according_to():
    q = _quotes("White House press secretary Karine Jean-Pierre took questions.\n"
                "“We are ready,” she told reporters. Later Jean-Pierre put it simply: “No deal.”\n"
                "The vote will be delayed, according to two aides familiar with the talks.")
    assert q["We are ready"]["speaker_name"] == "Karine Jean-Pierre"
    assert q["We are ready"]["speaker_resolution"] == "pronoun"
    assert q["No deal."]["speaker_name"] == "Karine Jean-Pierre"
    acc = [r for r in q.values() if r["kind"] == "according_to"]
    assert acc and acc[0]["speaker_name"].startswith("two aides")


def test_partial_quote_and_scare_quotes():
    q = _quotes("Warren called the plan “a gift to Wall Street” on Tuesday. It used an “experimental” missile.")
    assert q["a gift to Wall Street"]["kind"] == "partial"
    assert q["a gift to Wall Street"]["speaker_name"] == "Warren"
    assert "experimental" not in q


def test_multi_paragraph_quote_continues():
    q = _quotes("“We will rebuild,” Mayor Karen Bass said. “It will take time.\n“But we will do it together.”")
    assert q["But we will do it together."]["speaker_name"] == "Karen Bass"

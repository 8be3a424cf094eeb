"""The five seed articles against ../shared/seeds/expected.json (the answer key is read, not copied)."""

import json

import polars as pl
import pytest

from tests.conftest import SHARED
from wiretrace.clean import clean_documents
from wiretrace.clean.markup import strip_markdown_line
from wiretrace.clean.metadata import normalise_agency

SEEDS = SHARED / "seeds"
pytestmark = pytest.mark.skipif(not (SEEDS / "expected.json").exists(), reason="shared seeds not mounted")
EXPECTED = json.loads((SEEDS / "expected.json").read_text())["articles"] if (SEEDS / "expected.json").exists() else {}
COLUMN = {"published": "published_date", "agency": "wire_credit"}


@pytest.fixture(scope="module")
def result():
    docs = pl.DataFrame([{"document_id": name, "outlet": spec["outlet"], "content_type": "text",
                          "raw_text": (SEEDS / name).read_text(encoding="utf-8"), "source_url": None,
                          "title_hint": None, "published_hint": None} for name, spec in EXPECTED.items()])
    return clean_documents(docs)


def _article(result, name):
    rows = result.articles.filter(pl.col("document_id") == name).to_dicts()
    assert rows, f"{name} was not cleaned: {result.failures.to_dicts()}"
    return rows[0]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_boilerplate_lines_removed(result, name):
    body_lines = {ln.strip() for ln in _article(result, name)["body"].split("\n")}
    for line in EXPECTED[name]["boilerplate"]:
        assert line.strip() not in body_lines
        assert strip_markdown_line(line.strip())[0] not in body_lines


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_keep_lines_present(result, name):
    body = _article(result, name)["body"]
    for line in EXPECTED[name]["keep"]:
        assert strip_markdown_line(line.strip())[0] in body


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_metadata_lifted(result, name):
    art = _article(result, name)
    for key, want in EXPECTED[name]["metadata"].items():
        col = COLUMN.get(key, key)
        if col == "wire_credit":
            assert art[col] == normalise_agency(want)
        else:
            assert str(art[col]) == str(want), col


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_subheadings_listed_and_kept_in_body(result, name):
    art = _article(result, name)
    for sub in EXPECTED[name].get("subheadings", []):
        assert sub in art["subheadings"]
        assert f"\n\n{sub}\n\n" in art["body"]


def test_glued_paragraphs_stay_verbatim(result):
    body = _article(result, "000_f1e85874afc97763.txt")["body"]
    assert "Dnipro.Russia’s" in body

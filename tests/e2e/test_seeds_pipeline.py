"""The nightly job on the five seeds must reproduce ../shared/seeds/expected.json (the answer key).

Everything here reads the warehouse the real job wrote; nothing is computed by the test but the
comparison. Where the key names a thing in words the warehouse stores as a code, the small alias
tables below say so.
"""

import json
import re
import unicodedata

import pytest

from tests.conftest import SEEDS

EXPECTED = json.loads((SEEDS / "expected.json").read_text(encoding="utf-8"))
SEED_FILES = sorted(EXPECTED["articles"])
# The key writes agencies out; the warehouse stores the normalised credit.
AGENCY_CODES = {"agence france-presse": "AFP", "afp": "AFP"}
QUOTE_CONFLICTS = {"quote_shortened", "quote_extended", "quote_altered"}


def norm(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip().casefold()


def strip_markup(line: str) -> str:
    line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)
    return re.sub(r"[*#_<>]+", "", line).strip()


@pytest.fixture(scope="module")
def articles(seed_run, seed_db):
    assert seed_run["result"].success
    rows = seed_db.execute("""
        SELECT d.source_path, a.* FROM clean.articles a JOIN raw.documents d USING (document_id)
        ORDER BY d.source_path""").fetchall()
    cols = [c[0] for c in seed_db.description]
    return {r[0]: dict(zip(cols, r)) for r in rows}


@pytest.fixture(scope="module")
def file_of(articles):
    return {a["article_id"]: name for name, a in articles.items()}


def test_every_seed_is_ingested_and_cleaned(articles, seed_db):
    assert sorted(articles) == SEED_FILES
    assert seed_db.execute("SELECT count(*) FROM raw.rejects").fetchone()[0] == 0


@pytest.mark.parametrize("name", SEED_FILES)
def test_boilerplate_removed_and_article_text_kept(articles, name):
    spec = EXPECTED["articles"][name]
    body = articles[name]["body"]
    body_lines = {norm(line) for line in body.splitlines() if line.strip()}
    for line in spec["boilerplate"]:
        assert norm(line) not in body_lines and norm(strip_markup(line)) not in body_lines, line
    flat_body = norm(body)
    for line in spec["keep"]:
        assert norm(strip_markup(line)) in flat_body, line
    for heading in spec.get("subheadings", []):
        assert norm(heading) in body_lines, heading


@pytest.mark.parametrize("name", SEED_FILES)
def test_metadata_is_lifted(articles, name):
    article = articles[name]
    for field, want in EXPECTED["articles"][name]["metadata"].items():
        if field == "agency":
            assert article["wire_credit"] == AGENCY_CODES[want.casefold()]
        elif field == "byline" and want.casefold() in AGENCY_CODES:
            assert AGENCY_CODES[want.casefold()] in {article["byline"], article["wire_credit"]}
        elif field == "published":
            assert str(article["published_date"]) == want
        else:
            assert norm(article[field]) == norm(want), field


def test_one_story_with_the_expected_copy_groups(seed_db, file_of):
    members = seed_db.execute("SELECT article_id, story_id, copy_group_id FROM stories.members").fetchall()
    (story,) = EXPECTED["stories"]
    assert {file_of[a] for a, _, _ in members} == set(story["members"])
    assert len({s for _, s, _ in members}) == 1
    groups: dict[str, set[str]] = {}
    for article_id, _, group in members:
        groups.setdefault(group, set()).add(file_of[article_id])
    assert sorted(map(sorted, groups.values())) == sorted(map(sorted, story["copy_groups"]))


def quantity_support(seed_db, file_of, value):
    rows = seed_db.execute("""
        SELECT c.claim_id, list(DISTINCT m.article_id) FROM claims.claims c
        JOIN claims.claim_mentions m USING (claim_id)
        WHERE c.claim_type = 'quantity' AND c.value = $value GROUP BY c.claim_id""", {"value": value}).fetchall()
    return [{file_of[a] for a in arts} for _, arts in rows]


@pytest.mark.parametrize("fact", EXPECTED["claims"]["agreements"] + EXPECTED["claims"]["single_source"],
                         ids=lambda f: f["what"])
def test_quantities_are_aligned_across_copies(seed_db, file_of, fact):
    supports = quantity_support(seed_db, file_of, fact["value"])
    assert set(fact["articles"]) in supports, (fact["what"], supports)


@pytest.mark.parametrize("quote", EXPECTED["claims"]["quotes"], ids=lambda q: q["speaker"])
def test_quotes_carry_their_speakers(seed_db, file_of, quote):
    rows = seed_db.execute("SELECT article_id, quote_text, speaker_name FROM claims.quotes").fetchall()
    found = {file_of[a] for a, text, speaker in rows
             if norm(text).lstrip("\"' ").startswith(norm(quote["starts"])) and norm(speaker) == norm(quote["speaker"])}
    assert set(quote["articles"]) <= found, (quote["speaker"], found)


def test_conflicts_are_the_real_ones_only(seed_db, file_of):
    rows = seed_db.execute("SELECT conflict_type, value_a, article_a, value_b, article_b FROM claims.conflicts").fetchall()
    slot_conflicts = [r for r in rows if r[0] not in QUOTE_CONFLICTS]
    got = sorted(({r[1]: file_of[r[2]], r[3]: file_of[r[4]]} for r in slot_conflicts), key=str)
    want = sorted(({value: files[0] for value, files in c["values"].items()}
                   for c in EXPECTED["claims"]["conflicts"]), key=str)
    assert got == want
    # Spelling variants may differ inside a quote that was also shortened, but never make a conflict alone.
    for kind, a, _, b, _ in rows:
        if kind in QUOTE_CONFLICTS:
            assert not (norm(a).startswith(norm(b)) or norm(b).startswith(norm(a))) or len(a) != len(b)

"""The seed answer key (../shared/seeds/expected.json) against the claims stage's real output."""

import polars as pl
import pytest
from rapidfuzz import fuzz

from tests.unit.claims.conftest import expected, seed_id

EXP = expected()["claims"]


def _same_name(a: str | None, b: str) -> bool:
    return a is not None and fuzz.ratio(a.lower().replace("’", "'"), b.lower().replace("’", "'")) >= 85


def _starts(text: str, prefix: str) -> bool:
    return fuzz.ratio(text[: len(prefix)].lower().replace("’", "'"), prefix.lower().replace("’", "'")) >= 90


@pytest.mark.parametrize("quote", EXP["quotes"], ids=lambda q: q["speaker"])
def test_seed_quotes_have_their_speakers(seed_result, quote):
    quotes = seed_result.quotes
    for art in quote["articles"]:
        rows = quotes.filter(pl.col("article_id") == seed_id(art)).to_dicts()
        hits = [r for r in rows if _starts(r["quote_text"], quote["starts"])]
        assert hits, f"quote {quote['starts']!r} not found in {art}"
        assert any(_same_name(r["speaker_name"], quote["speaker"]) for r in hits), \
            f"{art}: speakers {[r['speaker_name'] for r in hits]} != {quote['speaker']}"


def _quantity_claims(result, value):
    claims = result.claims.filter((pl.col("claim_type") == "quantity") & (pl.col("value") == float(value)))
    out = []
    for c in claims.to_dicts():
        m = result.claim_mentions.filter(pl.col("claim_id") == c["claim_id"])
        out.append((c, set(m["article_id"].to_list()), m))
    return out


@pytest.mark.parametrize("fact", EXP["agreements"] + EXP["single_source"], ids=lambda f: f["what"])
def test_seed_agreements_and_single_source_facts(seed_result, fact):
    want = {seed_id(a) for a in fact["articles"]}
    found = _quantity_claims(seed_result, fact["value"])
    matching = [(c, arts, m) for c, arts, m in found if arts == want]
    assert matching, f"{fact['what']}: claims with value {fact['value']} cover {[sorted(a) for _, a, _ in found]}"
    claim, _, mentions = matching[0]
    assert claim["article_count"] == len(want)
    if fact.get("qualifier"):
        quantities = seed_result.quantities.filter(pl.col("value") == float(fact["value"]))
        assert fact["qualifier"] in quantities["qualifier"].to_list()


def test_seed_population_claim_counts_independent_origins(seed_result):
    (claim, arts, _), = [x for x in _quantity_claims(seed_result, 3_000_000) if len(x[1]) == 5]
    assert claim["copy_group_count"] == 2  # four AFP copies are one origin, the rewrite another
    assert claim["outlet_count"] == 5


@pytest.mark.parametrize("conflict", EXP["conflicts"], ids=lambda c: c["what"])
def test_seed_conflicts_are_found(seed_result, conflict):
    rows = seed_result.conflicts.to_dicts()
    want = {(v, seed_id(a)) for v, arts in conflict["values"].items() for a in arts}
    assert any({(r["value_a"], r["article_a"]), (r["value_b"], r["article_b"])} == want for r in rows), rows


def test_seed_equivalents_are_not_conflicts(seed_result):
    conflicts = seed_result.conflicts
    pairs = next(e for e in EXP["equivalent_not_conflicting"] if "pairs" in e)["pairs"]
    variants = {w.lower() for pair in pairs for w in pair}
    for r in conflicts.to_dicts():
        if r["conflict_type"].startswith("quote"):
            continue
        assert r["value_a"].lower() not in variants and r["value_b"].lower() not in variants, r
        assert r["conflict_type"] != "date", r  # 'June 2' vs 'last week' resolve to the same window
    # the only non-quote conflict in the seeds is the town
    assert set(conflicts.filter(~pl.col("conflict_type").str.starts_with("quote"))["conflict_type"]) <= {"place"}


def test_seed_medvedev_quote_extension_is_typed(seed_result):
    rows = seed_result.conflicts.filter(pl.col("conflict_type").is_in(["quote_shortened", "quote_extended"]))
    assert any("Our armed forces" in (r["value_a"] + r["value_b"]) for r in rows.to_dicts())


def test_every_row_slices_its_body(seed_frames, seed_result):
    bodies = dict(zip(*seed_frames[0].select("article_id", "body")))
    res = seed_result
    checks = [(res.sentences, "char_start", "char_end", "text", "article_id"),
              (res.quotes, "char_start", "char_end", "quote_text", "article_id"),
              (res.quotes, "speaker_start", "speaker_end", "speaker_text", "article_id"),
              (res.quantities, "char_start", "char_end", "surface", "article_id"),
              (res.dates, "char_start", "char_end", "surface", "article_id"),
              (res.claim_mentions, "char_start", "char_end", "text", "article_id"),
              (res.conflicts, "a_start", "a_end", "value_a", "article_a"),
              (res.conflicts, "b_start", "b_end", "value_b", "article_b")]
    for frame, s, e, text, art in checks:
        assert frame.height > 0
        for r in frame.to_dicts():
            if r[s] is None:
                continue
            assert bodies[r[art]][r[s]:r[e]] == r[text], (r[text], bodies[r[art]][r[s]:r[e]])


def test_glued_paragraphs_split(seed_result):
    texts = seed_result.sentences.filter(pl.col("article_id") == "000_f1e85874afc97763")["text"].to_list()
    assert "Around one million people lived in the regional capital, Dnipro." in texts
    assert any(t.startswith("The advance of Russian forces") for t in texts)


def test_relative_dates_resolve_against_publication(seed_result):
    dates = seed_result.dates
    last_week = dates.filter((pl.col("article_id") == "001_c7b04d026d813f1e") & (pl.col("surface") == "last week"))
    assert last_week.height == 1 and last_week["granularity"][0] == "week" and last_week["relative"][0]
    june2 = dates.filter((pl.col("article_id") == "000_f1e85874afc97763") & (pl.col("surface") == "June 2"))
    assert str(june2["resolved_date"][0]) == "2025-06-02"


@pytest.mark.parametrize("workers", [1, 2])
def test_streamed_chunks_concatenate_to_the_extracted_tables(seed_frames, monkeypatch, workers):
    from wiretrace.claims import extract_claims, pipeline, stream_claims

    articles, members = seed_frames
    halves = members.with_columns(story_id=pl.when(pl.int_range(pl.len()) < 2).then(pl.lit("st_a")).otherwise(pl.lit("st_b")))
    whole = extract_claims(articles, halves)
    monkeypatch.setattr(pipeline, "FLUSH_ROWS", 50)  # a chunk after every story
    monkeypatch.setattr(pipeline, "POOL_MIN_ARTICLES", 0)  # workers=2: the pool even for a few articles
    chunks: dict[str, list[pl.DataFrame]] = {}
    rows = stream_claims(articles, halves, lambda name, frame: chunks.setdefault(name, []).append(frame), workers=workers)
    assert max(len(c) for c in chunks.values()) == 2
    for name, frame in whole.tables().items():
        assert frame.height > 0 and rows[name] == frame.height, name
        assert pl.concat(chunks[name]).equals(frame), name

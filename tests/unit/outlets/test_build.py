"""The directory frame: curated entries, auto-added outlets flagged, derived fields with their source."""

from datetime import date

import polars as pl

from wiretrace.outlets import KEY_STATS_SCHEMA, build_outlets, parse_directory

DIRECTORY = parse_directory({
    "version": 1,
    "outlets": [{"id": "kyiv.example.ua", "name": "Kyiv Example", "domains": ["kyiv.example.ua"],
                 "aliases": ["Kyiv Ex"], "language": "uk"}],
    "collections": [{"name": "Ukrainian regional press", "outlets": ["kyiv.example.ua"]}],
})


def _stats(rows):
    return pl.DataFrame(rows, schema=KEY_STATS_SCHEMA, orient="row")


def test_aliases_merge_unknowns_are_flagged_and_derived_fields_say_where_from():
    d1, d2 = date(2025, 6, 1), date(2025, 6, 2)
    stats = _stats([
        ("kyiv.example.ua", "url", 3, d1, d2, "uk", [], "https://kyiv.example.ua/a"),
        ("Kyiv Ex", "folder", 2, d2, d2, "uk", [], None),
        ("news.lviv.ua", "url", 6, d1, d2, "uk", ["ukrinform"], None),
        ("elrisala_dump", "file", 10, d1, d1, "en", ["economictimes.indiatimes"], None),
    ])
    wires = pl.DataFrame({"outlet_key": ["elrisala_dump", "elrisala_dump", "news.lviv.ua"],
                          "agency": ["AFP", "Reuters", "AP"], "articles": [6, 1, 1]})
    out = build_outlets(DIRECTORY, stats, wires)
    rows = {r["outlet_id"]: r for r in out.iter_rows(named=True)}
    assert set(rows) == {"kyiv.example.ua", "news.lviv.ua", "elrisala_dump"}

    kyiv = rows["kyiv.example.ua"]
    assert kyiv["article_count"] == 5 and sorted(kyiv["outlet_keys"]) == ["Kyiv Ex", "kyiv.example.ua"]
    assert not kyiv["needs_review"] and kyiv["collections"] == ["Ukrainian regional press"]
    assert (kyiv["country"], kyiv["country_source"]) == ("UA", "domain")
    assert (kyiv["language"], kyiv["language_source"]) == ("uk", "outlets.yaml")

    dump = rows["elrisala_dump"]
    assert dump["needs_review"] and "file name guess" in dump["review_reason"]
    assert dump["upstream_sources"] == ["economictimes.indiatimes"]
    assert dump["wire_affiliations"] == ["AFP"] and dump["wire_affiliation_source"] == "wire_credit"  # 10% Reuters: no
    assert dump["wire_credit_counts"][0] == {"agency": "AFP", "articles": 6}
    assert dump["country"] is None  # a file name says nothing about the country

    lviv = rows["news.lviv.ua"]
    assert lviv["wire_affiliations"] == [] and lviv["wire_credit_counts"] == [{"agency": "AP", "articles": 1}] and lviv["id_source"] == "url" and lviv["needs_review"]


def test_curated_outlets_are_listed_even_before_they_are_seen():
    out = build_outlets(DIRECTORY, pl.DataFrame(schema=KEY_STATS_SCHEMA))
    assert out["outlet_id"].to_list() == ["kyiv.example.ua"]
    assert out["article_count"].to_list() == [0] and out["first_seen"].to_list() == [None]

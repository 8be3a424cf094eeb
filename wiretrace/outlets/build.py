"""Build the outlet directory (marts.outlets) from outlets.yaml and what the articles say.

Curated facts win; the data fills in what the file leaves open (country from a country-code domain,
language from the articles, wire affiliation from wire credits) and says where each value came from.
Every outlet seen in the data gets a row; those not in outlets.yaml are flagged needs_review.
"""

import re

import polars as pl

from wiretrace.outlets.directory import OutletDirectory
from wiretrace.outlets.keys import resolve_keys

# An agency credited in at least this share of an outlet's articles makes it a republisher of that wire.
WIRE_SHARE = 0.2
# Two-letter top-level domains sold as generic names: they say nothing about the country.
_GENERIC_CCTLDS = {"co", "io", "tv", "me", "fm", "ai", "ly", "to", "cc", "ws", "gg", "am", "im", "la", "nu", "su"}
_CCTLD_COUNTRY = {"uk": "GB"}

KEY_STATS_SCHEMA = {
    "outlet_key": pl.String, "outlet_key_source": pl.String, "articles": pl.Int64, "first_seen": pl.Date,
    "last_seen": pl.Date, "language": pl.String, "upstream_sources": pl.List(pl.String),
    "canonical_url_example": pl.String,
}
WIRE_COUNTS_SCHEMA = {"outlet_key": pl.String, "agency": pl.String, "articles": pl.Int64}
WIRE_CREDIT = pl.Struct({"agency": pl.String, "articles": pl.Int64})
OUTLETS_SCHEMA = {
    "outlet_id": pl.String, "display_name": pl.String, "domains": pl.List(pl.String),
    "aliases": pl.List(pl.String), "outlet_keys": pl.List(pl.String), "id_source": pl.String,
    "country": pl.String, "country_source": pl.String, "language": pl.String, "language_source": pl.String,
    "wire_affiliations": pl.List(pl.String), "wire_affiliation_source": pl.String,
    "wire_credit_counts": pl.List(WIRE_CREDIT), "upstream_sources": pl.List(pl.String),
    "canonical_url_example": pl.String, "collections": pl.List(pl.String), "article_count": pl.Int64,
    "first_seen": pl.Date, "last_seen": pl.Date, "needs_review": pl.Boolean, "review_reason": pl.String,
}


def _country_from_domain(domain: str | None) -> str | None:
    if not domain or "." not in domain:
        return None
    tld = domain.rsplit(".", 1)[1]
    if len(tld) != 2 or not tld.isalpha() or tld in _GENERIC_CCTLDS:
        return None
    return _CCTLD_COUNTRY.get(tld, tld.upper())


def _looks_like_domain(text: str) -> bool:
    return bool(re.match(r"^([a-z0-9-]+\.)+[a-z]{2,63}$", text))


def build_outlets(directory: OutletDirectory, key_stats: pl.DataFrame,
                  wire_counts: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per outlet (OUTLETS_SCHEMA): every outlets.yaml entry plus every outlet seen in the data.

    key_stats: one row per outlet key seen (KEY_STATS_SCHEMA: articles, first/last ingest night, most
    frequent language, upstream sources, an example canonical URL); wire_counts: articles per outlet key
    and credited agency.
    """
    key_stats = key_stats if len(key_stats) else pl.DataFrame(schema=KEY_STATS_SCHEMA)
    wire_counts = wire_counts if wire_counts is not None and len(wire_counts) else pl.DataFrame(schema=WIRE_COUNTS_SCHEMA)
    ids = resolve_keys(key_stats["outlet_key"].to_list(), directory)
    stats = key_stats.join(ids, on="outlet_key", how="left")

    seen = (stats.sort("articles", descending=True)
            .group_by("outlet_id", maintain_order=True)
            .agg(pl.col("outlet_key").sort().alias("outlet_keys"),
                 pl.col("outlet_key_source").first().alias("key_source"),
                 pl.col("articles").sum().alias("article_count"),
                 pl.col("first_seen").min(), pl.col("last_seen").max(),
                 pl.col("language").drop_nulls().first().alias("seen_language"),
                 pl.col("upstream_sources").list.explode(keep_nulls=False, empty_as_null=False).drop_nulls().unique().sort().alias("upstream_sources"),
                 pl.col("canonical_url_example").drop_nulls().first(),
                 pl.col("listed").first()))
    credits = (wire_counts.join(ids, on="outlet_key", how="inner")
               .group_by("outlet_id", "agency").agg(pl.col("articles").sum())
               .sort(["outlet_id", "articles", "agency"], descending=[False, True, False])
               .group_by("outlet_id", maintain_order=True)
               .agg(pl.struct("agency", "articles").alias("wire_credit_counts")))
    seen = seen.join(credits, on="outlet_id", how="left")

    rows = []
    seen_by_id = {r["outlet_id"]: r for r in seen.iter_rows(named=True)}
    for entry in directory.outlets:
        rows.append(_row(entry.id, seen_by_id.pop(entry.id, None), directory))
    for outlet_id in sorted(seen_by_id):
        rows.append(_row(outlet_id, seen_by_id[outlet_id], directory))
    return pl.DataFrame(rows, schema=OUTLETS_SCHEMA)


def _row(outlet_id: str, seen: dict | None, directory: OutletDirectory) -> dict:
    entry = directory.by_id.get(outlet_id)
    seen = seen or {}
    credits = seen.get("wire_credit_counts") or []
    articles = seen.get("article_count") or 0
    domains = list(entry.domains) if entry else ([outlet_id] if _looks_like_domain(outlet_id) else [])
    keys = seen.get("outlet_keys") or []

    country, country_source = (entry.country, "outlets.yaml") if entry and entry.country else (None, None)
    if country is None:
        country = next((c for c in map(_country_from_domain, domains) if c), None)
        country_source = "domain" if country else None
    language, language_source = (entry.language, "outlets.yaml") if entry and entry.language else (None, None)
    if language is None and seen.get("seen_language"):
        language, language_source = seen["seen_language"], "articles"
    if entry and entry.wire_affiliations:
        wires, wire_source = list(entry.wire_affiliations), "outlets.yaml"
    else:
        wires = [c["agency"] for c in credits if articles and c["articles"] / articles >= WIRE_SHARE]
        wire_source = "wire_credit" if wires else None

    if entry:
        needs_review, reason, id_source = False, None, "outlets.yaml"
    else:
        id_source = seen.get("key_source") or "unknown"
        needs_review = True
        reason = f"not in outlets.yaml; id from the {id_source.replace('_', ' ')}"
        if id_source == "file":
            reason += " (a file name guess: add the outlet's domain or this name as an alias)"
    return {
        "outlet_id": outlet_id,
        "display_name": entry.name if entry else outlet_id,
        "domains": domains,
        "aliases": list(entry.aliases) if entry else [k for k in keys if k != outlet_id],
        "outlet_keys": keys,
        "id_source": id_source,
        "country": country, "country_source": country_source,
        "language": language, "language_source": language_source,
        "wire_affiliations": wires, "wire_affiliation_source": wire_source,
        "wire_credit_counts": credits,
        "upstream_sources": seen.get("upstream_sources") or [],
        "canonical_url_example": seen.get("canonical_url_example"),
        "collections": list(directory.collections_of.get(outlet_id, ())),
        "article_count": articles,
        "first_seen": seen.get("first_seen"), "last_seen": seen.get("last_seen"),
        "needs_review": needs_review, "review_reason": reason,
    }

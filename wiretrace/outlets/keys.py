"""Which outlet an article belongs to: the outlet key of each article and its resolution to an outlet id.

The key is what the data says about the publisher, strongest evidence first: the record URL's host, the
JSON ``source`` field, the inbox folder (all kept as ingest recorded them), and only for a bare file
name (a weak guess) the host of the article's canonical URL when the cleaner found one. A syndicating
page's canonical link often points at the original publisher, so it never overrides a real URL, JSON
source or folder. Resolution to an id goes through outlets.yaml (domains, then names and aliases);
anything else keeps its key as id and is flagged for review in the directory.
"""

import re

import polars as pl

from wiretrace.outlets.directory import OutletDirectory

# Host prefixes that name the same site (mobile and AMP editions).
_SAME_SITE_PREFIX = r"^(?:www\d?|m|mobile|amp)\."
_HOST = r"^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^@/?#]*@)?([^/:?#]+)"
_LOOKS_LIKE_DOMAIN = re.compile(r"^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$")

KEY_SCHEMA = {"article_id": pl.String, "outlet_key": pl.String, "outlet_key_source": pl.String,
              "canonical_domain": pl.String}


def host_of(urls: pl.Expr) -> pl.Expr:
    """Lower-case host of a URL, without www./m./amp.; null when the string is not an absolute URL."""
    return (urls.str.strip_chars().str.extract(_HOST, 1).str.to_lowercase()
            .str.strip_chars_end(".").str.replace(_SAME_SITE_PREFIX, ""))


def outlet_keys(articles: pl.DataFrame) -> pl.DataFrame:
    """Per article: outlet_key, outlet_key_source (url | json | folder | file | canonical_url), canonical_domain.

    Takes columns article_id, outlet, outlet_source (from raw.documents) and canonical_url (clean.articles).
    """
    if articles.is_empty():
        return pl.DataFrame(schema=KEY_SCHEMA)
    canonical = host_of(pl.col("canonical_url"))
    weak = (pl.col("outlet_source") == "file") & pl.col("canonical_domain").is_not_null()
    raw_key = (pl.when(pl.col("outlet_source") == "url")
               .then(pl.col("outlet").str.to_lowercase().str.replace(_SAME_SITE_PREFIX, ""))
               .otherwise(pl.col("outlet").str.strip_chars()))
    return (articles.with_columns(canonical.alias("canonical_domain"))
            .select(
                "article_id",
                pl.when(weak).then(pl.col("canonical_domain")).otherwise(raw_key).alias("outlet_key"),
                pl.when(weak).then(pl.lit("canonical_url")).otherwise(pl.col("outlet_source")).alias("outlet_key_source"),
                "canonical_domain",
            ))


def outlet_id_for_key(key: str, directory: OutletDirectory) -> tuple[str, bool]:
    """(outlet id, listed in outlets.yaml) for one outlet key."""
    lowered = key.strip().lower()
    if _LOOKS_LIKE_DOMAIN.match(lowered):
        hit = directory.match_domain(lowered)
        if hit:
            return hit, True
    hit = directory.match_name(key)
    if hit:
        return hit, True
    return slug(key), False


def slug(key: str) -> str:
    """Stable id of an outlet not in the directory: its key case-folded, other characters as '-'."""
    text = re.sub(r"[^\w.]+", "-", key.strip().casefold()).strip("-.")
    return text or "unknown"


def resolve_keys(keys: pl.Series | list[str], directory: OutletDirectory) -> pl.DataFrame:
    """outlet_key -> outlet_id, listed (bool), for the distinct keys given (few: one per outlet name)."""
    distinct = sorted({k for k in keys if k is not None})
    rows = [(k, *outlet_id_for_key(k, directory)) for k in distinct]
    return pl.DataFrame(rows, schema={"outlet_key": pl.String, "outlet_id": pl.String, "listed": pl.Boolean},
                        orient="row")

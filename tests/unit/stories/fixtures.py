"""Story-stage test inputs: the seed articles as the cleaning stage should deliver them (expected.json
boilerplate lines removed), and ECB+ dev topics spread over nights."""

import json
from datetime import date

import polars as pl

from tests.conftest import SHARED

SEEDS = SHARED / "seeds"
ECB = SHARED / "corpora/ecbplus/dev.jsonl"


def seed_articles(ingest_date: date = date(2025, 6, 14)) -> pl.DataFrame:
    expected = json.loads((SEEDS / "expected.json").read_text())
    rows = []
    for name, spec in expected["articles"].items():
        boilerplate = {line.strip() for line in spec["boilerplate"]}
        lines = [ln for ln in (SEEDS / name).read_text().splitlines() if ln.strip() and ln.strip() not in boilerplate]
        published = spec["metadata"].get("published")
        rows.append({
            "article_id": name[:3],
            "outlet": spec["outlet"],
            "title": spec["metadata"].get("title"),
            "body": "\n".join(lines),
            "published_date": date.fromisoformat(published) if published else None,
            "ingest_date": ingest_date,
        })
    return pl.DataFrame(rows, schema={"article_id": pl.String, "outlet": pl.String, "title": pl.String, "body": pl.String,
                                      "published_date": pl.Date, "ingest_date": pl.Date})


def ecb_nights(topics: list[str], nights: int) -> pl.DataFrame:
    """ECB+ dev articles of ``topics`` as clean articles, published and ingested round-robin over
    ``nights`` nights from 2024-03-01 (``cluster``: the gold event)."""
    d = pl.read_ndjson(ECB).filter(pl.col("topic").is_in(topics)).sort("id")
    start = date(2024, 3, 1)
    return d.select(
        article_id="id", outlet=pl.lit("o") + (pl.int_range(pl.len()) % 7).cast(pl.String), title="title", body="text",
        published_date=pl.lit(start) + pl.duration(days=pl.int_range(pl.len()) % nights),
        cluster="cluster",
    ).with_columns(ingest_date=pl.col("published_date"))


def sorted_table(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` in a fixed row order: row order is not part of a table (stories.diffs rows come in
    hash-iteration order)."""
    return frame.sort([c for c, t in frame.schema.items() if not isinstance(t, pl.List)])

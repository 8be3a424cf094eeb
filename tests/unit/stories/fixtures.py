"""Seed articles as the cleaning stage should deliver them: expected.json boilerplate lines removed."""

import json
from datetime import date

import polars as pl

from tests.conftest import SHARED

SEEDS = SHARED / "seeds"


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

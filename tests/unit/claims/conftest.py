"""Seed fixtures: the five AFP seed texts with boilerplate lines and markdown link syntax removed.

A stand-in for the cleaning stage (written in parallel); the lead's end-to-end run uses the real one.
"""

import datetime as dt
import json
import re

import polars as pl
import pytest

from tests.conftest import SHARED

SEEDS = SHARED / "seeds"


def expected() -> dict:
    return json.loads((SEEDS / "expected.json").read_text())


def seed_body(name: str) -> str:
    boilerplate = {line.strip() for line in expected()["articles"][name]["boilerplate"]}
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", (SEEDS / name).read_text(encoding="utf-8"))
    lines = [ln for ln in text.split("\n")
             if ln.strip() not in boilerplate and not ln.strip().startswith(("<http", "#"))]
    return "\n".join(lines).strip()


def seed_id(name: str) -> str:
    return name.split(".")[0]


@pytest.fixture(scope="session")
def seed_frames():
    exp = expected()
    names = sorted(exp["articles"])
    story = exp["stories"][0]
    group_of = {n: f"cg_{i}" for i, grp in enumerate(story["copy_groups"]) for n in grp}
    articles = pl.DataFrame(
        [dict(article_id=seed_id(n), outlet=exp["articles"][n]["outlet"], title="", body=seed_body(n),
              published_date=dt.date(2025, 6, 13) if n.startswith("004") else dt.date(2025, 6, 8))
         for n in names],
        schema={"article_id": pl.String, "outlet": pl.String, "title": pl.String, "body": pl.String,
                "published_date": pl.Date})
    members = pl.DataFrame([dict(article_id=seed_id(n), story_id="st_seed", copy_group_id=group_of[n])
                            for n in names])
    return articles, members


@pytest.fixture(scope="session")
def seed_result(seed_frames):
    from wiretrace.claims import extract_claims

    articles, members = seed_frames
    return extract_claims(articles, members)

"""Per-article outlet keys (canonical URL only over a file-name guess) and publication-date plausibility."""

from datetime import date

import polars as pl

from wiretrace.outlets import date_plausibility, outlet_keys
from wiretrace.stories import StoryParams
from wiretrace.stories.pipeline import effective_dates


def test_canonical_domain_replaces_only_a_file_name_guess():
    articles = pl.DataFrame({
        "article_id": ["a", "b", "c", "d", "e"],
        "outlet": ["002_e51e", "syndicator.com", "MyFolder", "003_c25f", "Wire Feed"],
        "outlet_source": ["file", "url", "folder", "file", "json"],
        "canonical_url": ["https://www.TheMoscowTimes.com/2025/06/08/x", "https://origin.com/a", "https://m.origin.com/b",
                          None, "https://amp.origin.com/c?x=1"],
    })
    keys = outlet_keys(articles).sort("article_id")
    assert keys["outlet_key"].to_list() == ["themoscowtimes.com", "syndicator.com", "MyFolder", "003_c25f", "Wire Feed"]
    assert keys["outlet_key_source"].to_list() == ["canonical_url", "url", "folder", "file", "json"]
    assert keys["canonical_domain"].to_list() == ["themoscowtimes.com", "origin.com", "origin.com", None, "origin.com"]


def test_implausible_dates_flagged_like_the_story_windows():
    ingest = date(2025, 6, 10)
    published = [date(2099, 1, 1), date(1246, 5, 1), None, date(2025, 6, 11), date(2025, 6, 12),
                 date(2025, 5, 1), date(2025, 5, 20), date(1989, 12, 31)]
    articles = pl.DataFrame({"published_date": published, "ingest_date": [ingest] * len(published)},
                            schema={"published_date": pl.Date, "ingest_date": pl.Date})
    flags = date_plausibility(articles)
    assert flags["published_date_flag"].to_list() == [
        "future", "before_1990", "missing", None, "future", "far_before_ingest", None, "before_1990"]
    assert flags["published_date_plausible"].to_list() == [False, False, False, True, False, False, True, False]
    # The date windows use is exactly the story stage's.
    assert flags["effective_date"].to_list() == effective_dates(articles, StoryParams()).to_list()

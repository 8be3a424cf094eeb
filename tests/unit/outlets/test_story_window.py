"""A copy dated 2099 or 1246 is flagged and its date kept out of the story's time window."""

from datetime import date

import polars as pl

from tests.unit.stories.fixtures import seed_articles
from wiretrace.outlets import date_plausibility
from wiretrace.stories import StoryParams, StoryState, assign_night

NIGHT = date(2025, 6, 14)


def test_implausible_dates_are_flagged_and_do_not_stretch_the_story_window():
    seeds = seed_articles(NIGHT)
    copy_of = seeds.filter(pl.col("article_id") == "001")
    odd = pl.concat([
        copy_of.with_columns(pl.lit("2099").alias("article_id"), pl.lit(date(2099, 6, 8)).alias("published_date")),
        copy_of.with_columns(pl.lit("1246").alias("article_id"), pl.lit(date(1246, 6, 8)).alias("published_date")),
    ])
    articles = pl.concat([seeds, odd])
    flags = pl.concat([articles.select("article_id"), date_plausibility(articles)], how="horizontal")
    flagged = dict(flags.filter(~pl.col("published_date_plausible")).select("article_id", "published_date_flag").iter_rows())
    assert flagged["2099"] == "future" and flagged["1246"] == "before_1990"

    result = assign_night(articles, StoryState.empty(), params=StoryParams())
    members = result.members.select("article_id", "story_id", "published_date")
    windowed = dict(members.select("article_id", "published_date").iter_rows())
    # The story stage windows them by the ingest date, exactly the marts' effective_date.
    effective = dict(flags.select("article_id", "effective_date").iter_rows())
    assert windowed["2099"] == windowed["1246"] == NIGHT == effective["2099"] == effective["1246"]
    story = members.filter(pl.col("article_id") == "001")["story_id"][0]
    span = result.stories.filter(pl.col("story_id") == story).select("first_seen", "last_seen").row(0)
    assert date(2025, 6, 1) <= span[0] <= span[1] <= NIGHT  # neither 1246 nor 2099 enters the window
    # The copy still joins its story (by text), not a story of its own dated 2099 or 1246.
    assert set(members.filter(pl.col("article_id").is_in(["2099", "1246"]))["story_id"]) == {story}

"""Is an article's publication date usable? Flag it, and give the date time windows should use.

The rule is the story stage's (wiretrace.stories.pipeline.effective_dates, same lag parameter), so what
the marts call implausible is exactly what the story windows refused; before_1990 is split out as its
own reason because it is almost always a parse error (a year like 1246, a Unix epoch), not an archive.
"""

from datetime import date

import polars as pl

from wiretrace.stories import StoryParams

EARLIEST_PLAUSIBLE = date(1990, 1, 1)
FUTURE_TOLERANCE_DAYS = 1  # time zones: an article from east of UTC may carry tomorrow's date


def date_plausibility(articles: pl.DataFrame, *, max_lag_days: int | None = None) -> pl.DataFrame:
    """Columns published_date_plausible (bool), published_date_flag (null | missing | future |
    before_1990 | far_before_ingest) and effective_date, from published_date and ingest_date."""
    lag = StoryParams().max_published_lag_days if max_lag_days is None else max_lag_days
    pub, ing = pl.col("published_date"), pl.col("ingest_date")
    flag = (pl.when(pub.is_null()).then(pl.lit("missing"))
            .when(pub > ing + pl.duration(days=FUTURE_TOLERANCE_DAYS)).then(pl.lit("future"))
            .when(pub < pl.lit(EARLIEST_PLAUSIBLE)).then(pl.lit("before_1990"))
            .when(pub < ing - pl.duration(days=lag)).then(pl.lit("far_before_ingest"))
            .otherwise(pl.lit(None, dtype=pl.String)))
    return articles.select(
        flag.is_null().alias("published_date_plausible"),
        flag.alias("published_date_flag"),
        pl.when(flag.is_null()).then(pub).otherwise(ing).alias("effective_date"),
    )

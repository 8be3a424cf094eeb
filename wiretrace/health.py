"""Run health: per night and outlet, did tonight's input look like the nights before it?

A researcher trusts a count when a missing outlet is visible. Each outlet's articles tonight are set
against the median of its last ``window_nights`` nights that ran (a night the outlet sent nothing counts
as 0); falling below ``gap_ratio`` of that median is a coverage gap. Rejects, boilerplate removed,
duplicate share, non-English articles and the freshness of the newest article come beside it.
"""

from dataclasses import dataclass
from datetime import date

import polars as pl


@dataclass(frozen=True)
class HealthParams:
    window_nights: int = 7  # trailing nights that ran (not calendar days: a night without a run is no evidence)
    gap_ratio: float = 0.5  # articles_in < gap_ratio x trailing median -> coverage gap
    min_history_nights: int = 2  # fewer earlier nights than this: no baseline, no gap verdict
    min_median: float = 1.0  # an outlet that usually sends nothing cannot fall silent


TONIGHT_SCHEMA = {
    "article_id": pl.String, "outlet_id": pl.String, "language": pl.String, "published_date_plausible": pl.Boolean,
    "effective_date": pl.Date, "body_chars": pl.Int64, "kept_share": pl.Float64, "boilerplate_chars": pl.Int64,
    "is_copy": pl.Boolean,
}
REJECTS_SCHEMA = {"outlet_id": pl.String, "stage": pl.String, "reason": pl.String}
HISTORY_SCHEMA = {"outlet_id": pl.String, "night": pl.Date, "articles": pl.Int64}
RUN_HEALTH_SCHEMA = {
    "outlet_id": pl.String, "articles_in": pl.Int64, "trailing_nights": pl.Int64, "trailing_median": pl.Float64,
    "volume_ratio": pl.Float64, "coverage_gap": pl.Boolean, "rejects": pl.Int64,
    "reject_reasons": pl.List(pl.String), "boilerplate_share": pl.Float64, "mean_kept_share": pl.Float64,
    "duplicate_share": pl.Float64, "non_english_articles": pl.Int64, "implausible_dates": pl.Int64,
    "newest_published": pl.Date, "freshness_days": pl.Int64,
}


def _frame(frame: pl.DataFrame | None, schema: dict) -> pl.DataFrame:
    if frame is None or frame.is_empty():
        return pl.DataFrame(schema=schema)
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()])


def run_health(night: date, tonight: pl.DataFrame, history: pl.DataFrame | None, earlier_nights: list[date],
               rejects: pl.DataFrame | None = None, *, params: HealthParams = HealthParams()) -> pl.DataFrame:
    """One row per outlet active tonight or in the trailing window (RUN_HEALTH_SCHEMA).

    tonight: the night's articles (TONIGHT_SCHEMA; boilerplate_chars = characters of lines removed as
    boilerplate, is_copy = the article joined a copy group that already had an earlier member).
    history: articles per outlet and earlier night. earlier_nights: nights that ran before ``night``
    (any order; the last ``window_nights`` are used). rejects: one row per refused input or failed
    cleaning, with the outlet when it is known.
    """
    tonight = _frame(tonight, TONIGHT_SCHEMA)
    history = _frame(history, HISTORY_SCHEMA)
    rejects = _frame(rejects, REJECTS_SCHEMA).filter(pl.col("outlet_id").is_not_null())
    window = sorted({n for n in earlier_nights if n < night})[-params.window_nights:]

    per_outlet = tonight.group_by("outlet_id").agg(
        pl.len().cast(pl.Int64).alias("articles_in"),
        (pl.col("boilerplate_chars").sum() / (pl.col("boilerplate_chars").sum() + pl.col("body_chars").sum()))
        .alias("boilerplate_share"),
        pl.col("kept_share").mean().alias("mean_kept_share"),
        pl.col("is_copy").cast(pl.Float64).mean().alias("duplicate_share"),
        (pl.col("language").is_not_null() & (pl.col("language") != "en")).sum().cast(pl.Int64).alias("non_english_articles"),
        (~pl.col("published_date_plausible")).sum().cast(pl.Int64).alias("implausible_dates"),
        pl.col("effective_date").filter(pl.col("published_date_plausible")).max().alias("newest_published"),
    )
    reject_summary = (rejects.group_by("outlet_id", "stage", "reason").len()
                      .sort(["outlet_id", "len", "reason"], descending=[False, True, False])
                      .group_by("outlet_id", maintain_order=True)
                      .agg(pl.col("len").sum().cast(pl.Int64).alias("rejects"),
                           pl.format("{}: {} x{}", "stage", "reason", "len").alias("reject_reasons")))

    # Every (outlet, window night) pair, with 0 where the outlet sent nothing that night.
    recent = history.filter(pl.col("night").is_in(window))
    outlets = pl.concat([per_outlet.select("outlet_id"), reject_summary.select("outlet_id"),
                         recent.select("outlet_id")]).unique()
    if window:
        grid = outlets.join(pl.DataFrame({"night": window}, schema={"night": pl.Date}), how="cross")
        baseline = (grid.join(recent, on=["outlet_id", "night"], how="left")
                    .with_columns(pl.col("articles").fill_null(0))
                    .group_by("outlet_id")
                    .agg(pl.col("articles").median().alias("trailing_median")))
    else:
        baseline = outlets.with_columns(pl.lit(None, dtype=pl.Float64).alias("trailing_median"))

    out = (outlets.join(per_outlet, on="outlet_id", how="left")
           .join(reject_summary, on="outlet_id", how="left")
           .join(baseline, on="outlet_id", how="left")
           .with_columns(pl.col("articles_in").fill_null(0), pl.col("rejects").fill_null(0),
                         pl.col("non_english_articles").fill_null(0), pl.col("implausible_dates").fill_null(0),
                         pl.col("reject_reasons").fill_null([]),
                         pl.lit(len(window), dtype=pl.Int64).alias("trailing_nights")))
    has_baseline = (pl.col("trailing_nights") >= params.min_history_nights) & (
        pl.col("trailing_median") >= params.min_median)
    out = out.with_columns(
        pl.when(pl.col("trailing_median") > 0)
        .then(pl.col("articles_in") / pl.col("trailing_median")).alias("volume_ratio"),
        (has_baseline & (pl.col("articles_in") < params.gap_ratio * pl.col("trailing_median")))
        .fill_null(False).alias("coverage_gap"),
        (pl.lit(night) - pl.col("newest_published")).dt.total_days().cast(pl.Int64).alias("freshness_days"),
    )
    return out.select([pl.col(c).cast(t) for c, t in RUN_HEALTH_SCHEMA.items()]).sort("outlet_id")


def night_summary(health: pl.DataFrame) -> dict[str, object]:
    """Key figures of a night's run health for the asset's metadata."""
    gaps = health.filter(pl.col("coverage_gap"))["outlet_id"].to_list()
    articles = int(health["articles_in"].sum()) if len(health) else 0
    return {
        "outlets": len(health),
        "articles": articles,
        "coverage gaps": len(gaps),
        "outlets with a gap": ", ".join(gaps[:20]) + (" ..." if len(gaps) > 20 else "") if gaps else "none",
        "rejects": int(health["rejects"].sum()) if len(health) else 0,
        "non-English articles": int(health["non_english_articles"].sum()) if len(health) else 0,
        "implausible publication dates": int(health["implausible_dates"].sum()) if len(health) else 0,
        "max freshness days": int(health["freshness_days"].max()) if health["freshness_days"].drop_nulls().len() else -1,
    }

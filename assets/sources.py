"""Sources: the outlet directory and article provenance, run health per night and outlet, exports.

sources/outlets runs after clean: it needs only clean articles and raw.documents' outlet evidence.
sources/run_health runs after stories, not after claims: duplicate share needs copy groups, and a claims
failure must not hide tonight's coverage report (health matters most on a bad night).
"""

import datetime as dt
from pathlib import Path

import dagster as dg
import polars as pl

from orchestration.partitions import nightly_partitions
from orchestration.resources import WarehouseResource
from orchestration.stage import StageOutput, run_stage
from wiretrace.export import export_marts
from wiretrace.health import HealthParams, night_summary, run_health
from wiretrace.outlets import build_outlets, date_plausibility, load_directory, outlet_keys, resolve_keys
from wiretrace.warehouse import TableWrite, query_frame, sql_file

# SQL of these assets lives in sql/transforms/ (sources_*.sql, health_*.sql).
NIGHT_ARTICLES_SQL = sql_file("transforms/sources_night_articles.sql")
_ALL_NIGHTS = sql_file("transforms/sources_all_nights.sql")
KEY_STATS_SQL = _ALL_NIGHTS + sql_file("transforms/sources_outlet_key_stats.sql")
WIRE_COUNTS_SQL = _ALL_NIGHTS + sql_file("transforms/sources_outlet_wire_counts.sql")
HEALTH_TONIGHT_SQL = sql_file("transforms/health_tonight.sql")
EARLIER_NIGHTS_SQL = sql_file("transforms/health_earlier_nights.sql")
HISTORY_SQL = sql_file("transforms/health_history.sql")
REJECTS_SQL = sql_file("transforms/health_rejects.sql")


def _stamp(context, night: dt.date) -> list[pl.Expr]:
    return [pl.lit(night).alias("ingest_date"), pl.lit(context.run_id).alias("run_id")]


class OutletsConfig(dg.Config):
    directory_file: str = ""  # empty: the outlets.yaml shipped in wiretrace/outlets


@dg.asset(
    key=["sources", "outlets"],
    deps=[dg.AssetKey(["clean", "articles"])],
    group_name="sources",
    partitions_def=nightly_partitions,
    pool="duckdb_writer",
    owners=["team:wiretrace"],
    kinds={"python", "duckdb"},
    description="Outlet directory (marts.outlets: curated outlets.yaml entries plus every outlet seen, "
                "unknown ones flagged needs_review) and per-article outlet key and publication-date "
                "plausibility (marts.article_sources).",
)
def sources_outlets(context: dg.AssetExecutionContext, config: OutletsConfig,
                    warehouse: WarehouseResource) -> dg.MaterializeResult:
    directory = load_directory(config.directory_file or None)  # validated before anything is read

    def compute(con, partition: str) -> StageOutput:
        night = dt.date.fromisoformat(partition)
        articles = query_frame(con, NIGHT_ARTICLES_SQL, {"partition": partition})
        keys = outlet_keys(articles.select("article_id", "outlet", "outlet_source", "canonical_url"))
        dates = date_plausibility(articles) if len(articles) else None
        sources = (pl.concat([articles.select("article_id", "published_date", "published_source", "language",
                                              "language_confidence"), dates], how="horizontal")
                   .join(keys, on="article_id") if dates is not None else None)
        tonight = (sources if sources is not None else
                   pl.DataFrame(schema={"article_id": pl.String, "outlet_key": pl.String,
                                        "outlet_key_source": pl.String}))
        con.register("_tonight_sources", tonight.select("article_id", "outlet_key", "outlet_key_source")
                     .with_columns(pl.lit(night).alias("ingest_date")))
        try:
            key_stats = query_frame(con, KEY_STATS_SQL, {"partition": partition})
            wire_counts = query_frame(con, WIRE_COUNTS_SQL, {"partition": partition})
        finally:
            con.unregister("_tonight_sources")
        outlets = build_outlets(directory, key_stats, wire_counts)
        # The directory covers every night so far: filed under the latest night it has seen, so rerunning an
        # earlier night rebuilds the same rows.
        covered = (outlets["last_seen"].max() if len(outlets) else None) or night
        writes = [TableWrite("marts.outlets", outlets.with_columns(_stamp(context, covered)), delete_where="true")]
        writes.append(TableWrite("marts.article_sources",
                                 sources.with_columns(_stamp(context, night)) if sources is not None else None))
        review = outlets.filter(pl.col("needs_review") & (pl.col("last_seen") == night))
        implausible = int((~sources["published_date_plausible"]).sum()) if sources is not None else 0
        return StageOutput(
            writes=writes,
            figures={"outlets": len(outlets), "outlets seen": int((outlets["article_count"] > 0).sum()),
                     "outlets needing review": int(outlets["needs_review"].sum()),
                     "articles": len(articles), "implausible publication dates": implausible,
                     "non-English articles": int(articles.filter(pl.col("language").is_not_null()
                                                                 & (pl.col("language") != "en")).height)},
            description=("Outlets needing review seen tonight:\n\n" + "\n".join(
                f"- {r['outlet_id']}: {r['review_reason']}" for r in review.head(30).iter_rows(named=True)))
            if len(review) else None,
        )

    return run_stage(context, warehouse, compute,
                     config={**config.model_dump(), "directory": directory.source,
                             "directory_outlets": len(directory.outlets)})


class RunHealthConfig(dg.Config):
    window_nights: int = 7
    gap_ratio: float = 0.5
    min_history_nights: int = 2
    min_median: float = 1.0


@dg.asset(
    key=["sources", "run_health"],
    deps=[dg.AssetKey(["sources", "outlets"]), dg.AssetKey(["stories", "stories"])],
    group_name="sources",
    partitions_def=nightly_partitions,
    pool="duckdb_writer",
    owners=["team:wiretrace"],
    kinds={"python", "duckdb"},
    description="marts.run_health: per night and outlet, articles in against the trailing 7-night median "
                "(below 50% is a coverage gap), rejects with reasons, boilerplate share, duplicate share, "
                "non-English articles, freshness. Its suite warns on a gap without blocking the night.",
)
def sources_run_health(context: dg.AssetExecutionContext, config: RunHealthConfig,
                       warehouse: WarehouseResource) -> dg.MaterializeResult:
    params = HealthParams(**config.model_dump())
    directory = load_directory()

    def compute(con, partition: str) -> StageOutput:
        night = dt.date.fromisoformat(partition)
        tonight = query_frame(con, HEALTH_TONIGHT_SQL, {"partition": partition})
        earlier = [r[0] for r in con.execute(EARLIER_NIGHTS_SQL, {"partition": partition,
                                                                  "nights": params.window_nights}).fetchall()]
        history = query_frame(con, HISTORY_SQL, {"partition": partition, "since": min(earlier, default=night)})
        rejects = query_frame(con, REJECTS_SQL, {"partition": partition})
        if len(rejects):
            keyed = rejects.with_columns(pl.when(pl.col("outlet_source") == "url")
                                         .then(pl.col("outlet").str.to_lowercase()).otherwise(pl.col("outlet"))
                                         .alias("outlet_key"))
            ids = resolve_keys(keyed["outlet_key"].to_list(), directory)
            rejects = keyed.join(ids, on="outlet_key", how="left")
        health = run_health(night, tonight, history, earlier, rejects, params=params)
        summary = night_summary(health)
        gaps = health.filter(pl.col("coverage_gap"))
        return StageOutput(
            writes=[TableWrite("marts.run_health", health.with_columns(_stamp(context, night)))],
            figures=summary,
            description=("Coverage gaps (articles in vs trailing median):\n\n" + "\n".join(
                f"- {r['outlet_id']}: {r['articles_in']} vs {r['trailing_median']}"
                for r in gaps.iter_rows(named=True))) if len(gaps) else None,
        )

    return run_stage(context, warehouse, compute, config=config.model_dump())


def exports_path(warehouse: WarehouseResource) -> Path:
    """WIRETRACE_EXPORTS, else an exports/ folder beside the warehouse file (data/exports by default)."""
    import os

    return Path(os.environ.get("WIRETRACE_EXPORTS", Path(warehouse.path).with_name("exports")))


@dg.asset(
    key=["sources", "exports"],
    deps=[dg.AssetKey(["marts", "views"]), dg.AssetKey(["sources", "run_health"])],
    group_name="sources",
    partitions_def=nightly_partitions,
    pool="duckdb_writer",
    owners=["team:wiretrace"],
    kinds={"parquet", "csv"},
    description="Every marts view and table as Parquet and CSV, uncapped, in hive-style folders by "
                "publication date, with the data dictionary and a manifest (data/exports by default). "
                "Partitions whose rows did not change keep the last export's files.",
)
def sources_exports(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    target = exports_path(warehouse)

    def compute(con, partition: str) -> StageOutput:
        exported = export_marts(con, target)
        return StageOutput(writes=[], figures={
            "exports": str(target), "relations": len(exported), "rows": sum(e.rows for e in exported),
            "partitioned": sum(e.partition_column is not None for e in exported),
            # partitions (or unpartitioned files) written tonight vs kept from the last export unchanged
            "partitions_written": sum(e.written for e in exported),
            "partitions_reused": sum(e.reused for e in exported)})

    return run_stage(context, warehouse, compute)

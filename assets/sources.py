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
from wiretrace.warehouse import TableWrite, query_frame

NIGHT_ARTICLES_SQL = """
SELECT a.article_id, coalesce(d.outlet, a.outlet, 'unknown') AS outlet,
       coalesce(d.outlet_source, 'file') AS outlet_source, a.canonical_url, a.published_date,
       a.published_source, a.language, a.language_confidence, a.ingest_date
FROM clean.articles a
LEFT JOIN raw.documents d ON d.document_id = a.document_id AND d.ingest_date = a.ingest_date
WHERE a.ingest_date = $partition
ORDER BY a.article_id
"""

# Keys of every night: the stored nights other than this one, plus tonight's frame (not yet written).
_ALL_SOURCES = """
WITH src AS (
    SELECT article_id, outlet_key, outlet_key_source, ingest_date FROM marts.article_sources
    WHERE ingest_date <> $partition
    UNION ALL
    SELECT article_id, outlet_key, outlet_key_source, ingest_date FROM _tonight_sources
), art AS (
    SELECT s.*, a.language, a.upstream_source, a.canonical_url, a.wire_credit
    FROM src s JOIN clean.articles a ON a.article_id = s.article_id AND a.ingest_date = s.ingest_date
)
"""
KEY_STATS_SQL = _ALL_SOURCES + """
SELECT outlet_key, mode(outlet_key_source) AS outlet_key_source, count(*) AS articles,
       min(ingest_date) AS first_seen, max(ingest_date) AS last_seen, mode(language) AS language,
       list_sort(list_distinct(list(upstream_source) FILTER (WHERE upstream_source IS NOT NULL))) AS upstream_sources,
       min(canonical_url) AS canonical_url_example
FROM art GROUP BY outlet_key ORDER BY outlet_key
"""
WIRE_COUNTS_SQL = _ALL_SOURCES + """
SELECT outlet_key, wire_credit AS agency, count(*) AS articles
FROM art WHERE wire_credit IS NOT NULL GROUP BY ALL ORDER BY ALL
"""

KEY_MAP = "(SELECT outlet_id, unnest(outlet_keys) AS outlet_key FROM marts.outlets)"
HEALTH_TONIGHT_SQL = f"""
WITH removed AS (
    SELECT article_id, sum(length(text)) AS chars FROM clean.removed_lines
    WHERE ingest_date = $partition AND reason_code NOT IN ('metadata_lifted', 'html_extractor')
    GROUP BY article_id
), copies AS (
    SELECT article_id, arg_max(copy_order, ingest_date) > 1 AS is_copy FROM stories.members
    WHERE ingest_date <= $partition GROUP BY article_id
)
SELECT s.article_id, k.outlet_id, s.language, s.published_date_plausible, s.effective_date, a.body_chars,
       a.kept_share, coalesce(r.chars, 0) AS boilerplate_chars, c.is_copy
FROM marts.article_sources s
JOIN clean.articles a ON a.article_id = s.article_id AND a.ingest_date = s.ingest_date
JOIN {KEY_MAP} k ON k.outlet_key = s.outlet_key
LEFT JOIN removed r ON r.article_id = s.article_id
LEFT JOIN copies c ON c.article_id = s.article_id
WHERE s.ingest_date = $partition
"""
# Nights that ran before this one: an ingest step succeeded, or documents exist (older warehouses).
EARLIER_NIGHTS_SQL = """
SELECT night FROM (
    SELECT partition_date AS night FROM meta.runs
    WHERE asset_key = 'raw/documents' AND status = 'succeeded' AND partition_date < $partition
    UNION SELECT DISTINCT ingest_date FROM raw.documents WHERE ingest_date < $partition)
ORDER BY night DESC LIMIT $nights
"""
HISTORY_SQL = f"""
SELECT k.outlet_id, s.ingest_date AS night, count(*) AS articles
FROM marts.article_sources s JOIN {KEY_MAP} k ON k.outlet_key = s.outlet_key
WHERE s.ingest_date >= $since AND s.ingest_date < $partition
GROUP BY ALL
"""
# Failures and rejects with the outlet evidence ingest had (a reject's outlet only from its inbox folder).
REJECTS_SQL = """
SELECT coalesce(d.outlet, f.outlet) AS outlet, coalesce(d.outlet_source, 'file') AS outlet_source,
       'clean' AS stage, f.reason
FROM clean.failures f
LEFT JOIN raw.documents d ON d.document_id = f.document_id AND d.ingest_date = f.ingest_date
WHERE f.ingest_date = $partition
UNION ALL
SELECT CASE WHEN contains(source_path, '/') THEN split_part(source_path, '/', 1) END, 'folder', 'ingest', reason_code
FROM raw.rejects WHERE ingest_date = $partition
"""


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
                "publication date, with the data dictionary and a manifest (data/exports by default).",
)
def sources_exports(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    target = exports_path(warehouse)

    def compute(con, partition: str) -> StageOutput:
        exported = export_marts(con, target)
        return StageOutput(writes=[], figures={
            "exports": str(target), "relations": len(exported), "rows": sum(e.rows for e in exported),
            "partitioned": sum(e.partition_column is not None for e in exported)})

    return run_stage(context, warehouse, compute)

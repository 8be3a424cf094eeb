"""Clean: the night's raw documents → clean.articles and clean.removed_lines (every removal recorded).

Per-outlet line statistics carry across nights. Each night stores the full updated table under its own
ingest_date and reads the latest earlier night's: a rerun of a night starts from the same statistics,
so it reproduces the same removals instead of counting its own lines twice.
"""

import datetime as dt

import dagster as dg
import polars as pl

from orchestration.partitions import nightly_partitions
from orchestration.resources import WarehouseResource
from orchestration.stage import StageOutput, run_stage
from wiretrace.clean import clean_documents
from wiretrace.warehouse import TableWrite, query_frame, sql_file


class CleanConfig(dg.Config):
    workers: int = 2
    line_stats_nights_kept: int = 7


@dg.asset(
    key=["clean", "articles"],
    deps=[dg.AssetKey(["raw", "documents"])],
    group_name="clean",
    partitions_def=nightly_partitions,
    pool="duckdb_writer",
    owners=["team:wiretrace"],
    kinds={"python", "duckdb"},
    description="Article text without boilerplate, with lifted metadata (title, dek, date, byline, "
                "dateline, wire credit, canonical URL, upstream source, language). Every removed line "
                "is kept in clean.removed_lines with its reason.",
)
def clean_articles(context: dg.AssetExecutionContext, config: CleanConfig,
                   warehouse: WarehouseResource) -> dg.MaterializeResult:
    def compute(con, partition: str) -> StageOutput:
        night = dt.date.fromisoformat(partition)
        docs = query_frame(con, sql_file("transforms/clean_input.sql"), {"partition": partition})
        stats = query_frame(con, sql_file("transforms/clean_line_stats_before.sql"), {"partition": partition})
        context.log.info(f"cleaning {len(docs)} documents with {len(stats)} known outlet lines")
        result = clean_documents(docs, stats if len(stats) else None, workers=config.workers, as_of=night)
        stamp = [pl.lit(night).alias("ingest_date"), pl.lit(context.run_id).alias("run_id")]
        removed = result.removed_lines
        return StageOutput(
            writes=[
                TableWrite("clean.articles", result.articles.with_columns(stamp)),
                TableWrite("clean.removed_lines", removed.with_columns(stamp)),
                TableWrite("clean.failures", result.failures.with_columns(stamp)),
                TableWrite("clean.line_stats", result.line_stats.with_columns(stamp),
                           delete_where="ingest_date = $partition OR (ingest_date < $oldest_kept AND ingest_date < "
                           "(SELECT max(ingest_date) FROM clean.line_stats WHERE ingest_date < $partition))"),
            ],
            extra_params={"oldest_kept": night - dt.timedelta(days=config.line_stats_nights_kept)},
            figures={
                "articles": len(result.articles),
                "failed": len(result.failures),
                "boilerplate lines removed": len(removed),
                "mean kept share": round(float(result.articles["kept_share"].mean() or 0.0), 3),
                "languages": result.articles["language"].n_unique() if len(result.articles) else 0,
            },
            description=_removal_summary(removed),
        )

    return run_stage(context, warehouse, compute, config=config.model_dump())


def _removal_summary(removed: pl.DataFrame) -> str | None:
    if removed.is_empty():
        return None
    by_reason = removed.group_by("reason_code").len().sort("len", descending=True)
    return "Removed lines by reason:\n\n" + "\n".join(
        f"- {r['reason_code']}: {r['len']}" for r in by_reason.iter_rows(named=True))

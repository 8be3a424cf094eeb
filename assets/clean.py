"""Clean: the night's raw documents → clean.articles and clean.removed_lines (every removal recorded).

Per-outlet line statistics carry across nights. Each night stores the full updated table under its own
ingest_date and reads the latest earlier night's: a rerun of a night starts from the same statistics,
so it reproduces the same removals instead of counting its own lines twice.
"""

import datetime as dt
import tempfile
from pathlib import Path

import dagster as dg
import polars as pl

from orchestration.partitions import nightly_partitions
from orchestration.resources import WarehouseResource
from orchestration.stage import StageOutput, run_stage
from wiretrace.clean import stream_clean
from wiretrace.warehouse import ParquetParts, TableWrite, query_frame, sql_file

LINE_STATS_DELETE = ("ingest_date = $partition OR (ingest_date < $oldest_kept AND ingest_date < "
                     "(SELECT max(ingest_date) FROM clean.line_stats WHERE ingest_date < $partition))")


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
        stamp = [pl.lit(night).alias("ingest_date"), pl.lit(context.run_id).alias("run_id")]
        # each shard's rows go to Parquet parts as it is done and are loaded from there in one transaction:
        # the stage holds the night's raw documents, not every cleaned body and removed line as well
        counts = stream_clean(docs, stats if len(stats) else None,
                              lambda name, frame: parts.add(name, frame.with_columns(stamp)),
                              workers=config.workers, as_of=night)
        articles = parts.scan("articles")
        summary = (articles.select(kept=pl.col("kept_share").mean(), languages=pl.col("language").n_unique())
                   .collect().row(0, named=True) if articles is not None else {"kept": None, "languages": 0})
        removed = parts.scan("removed_lines")
        by_reason = (removed.group_by("reason_code").len().sort("len", "reason_code", descending=[True, False])
                     .collect() if removed is not None else None)
        return StageOutput(
            writes=[
                TableWrite("clean.articles", parts.dataset("articles")),
                TableWrite("clean.removed_lines", parts.dataset("removed_lines")),
                TableWrite("clean.failures", parts.dataset("failures")),
                TableWrite("clean.line_stats", parts.dataset("line_stats"), delete_where=LINE_STATS_DELETE),
            ],
            extra_params={"oldest_kept": night - dt.timedelta(days=config.line_stats_nights_kept)},
            figures={
                "articles": counts["articles"],
                "failed": counts["failures"],
                "boilerplate lines removed": counts["removed_lines"],
                "mean kept share": round(float(summary["kept"] or 0.0), 3),
                "languages": summary["languages"],
            },
            description=_removal_summary(by_reason),
        )

    with tempfile.TemporaryDirectory(prefix=".clean-parts-", dir=Path(warehouse.path).resolve().parent) as folder:
        parts = ParquetParts(folder)
        return run_stage(context, warehouse, compute, config=config.model_dump())


def _removal_summary(by_reason: pl.DataFrame | None) -> str | None:
    """Markdown list of removed lines per reason (``by_reason``: reason_code, len; most first)."""
    if by_reason is None or by_reason.is_empty():
        return None
    return "Removed lines by reason:\n\n" + "\n".join(
        f"- {r['reason_code']}: {r['len']}" for r in by_reason.iter_rows(named=True))

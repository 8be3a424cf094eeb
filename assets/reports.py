"""Reports: a static HTML story report for every story the night touched, summarised in the UI.

The pages land in data/reports/<story_id>.html (next to the warehouse; WIRETRACE_REPORTS to change)
and open in any browser without a server. The materialisation carries each story's claims and
conflicts as Markdown, so the on-call person sees them in the asset's history.

A story the night extends is rendered whole again, but its earlier copies are not diffed again: each
copy's rendered diff is kept in reports.copy_diffs and reused while it was made from the same two texts
by the same code (wiretrace/report/markup.py). The night writes the diffs it made.
"""

import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import dagster as dg
import polars as pl

from orchestration.partitions import nightly_partitions
from orchestration.resources import WarehouseResource
from orchestration.stage import StageOutput, run_stage
from wiretrace.report import ReportSummary, stories_touched, write_reports
from wiretrace.report.batch import NewDiff
from wiretrace.warehouse import ParquetParts, TableWrite

# Markdown metadata stays readable in the UI: full summaries for the most conflicted stories only.
MAX_STORIES_IN_SUMMARY = 20
PROGRESS_EVERY = 100
STORIES_PER_BATCH = 200  # stories read per query batch (bounds the article bodies held at once)
# a copy has one kept diff: the one written last (a rerun of the night rewrites the diffs it made)
COPY_DIFFS_DELETE = "article_id IN (SELECT unnest($rediffed_articles))"
COPY_DIFF_SCHEMA = {"article_id": pl.String, "representative_article_id": pl.String, "diff_key": pl.String,
                    "inserted": pl.Int32, "removed": pl.Int32, "changed": pl.Int32, "rows_html": pl.String}


class ReportsConfig(dg.Config):
    workers: int = 2  # processes building diffs and pages; 1 renders in the run's process


def reports_dir(warehouse: WarehouseResource) -> Path:
    return Path(os.environ.get("WIRETRACE_REPORTS") or Path(warehouse.path).parent / "reports")


@dg.asset(
    key=["reports", "story_reports"],
    deps=[dg.AssetKey(["claims", "claims"])],
    group_name="reports",
    partitions_def=nightly_partitions,
    pool="duckdb_writer",
    owners=["team:wiretrace"],
    kinds={"html", "duckdb"},
    description="Static HTML story reports (copies grouped by copy group, side-by-side diffs against the "
                "representative, claims with support, conflicts highlighted) for every story the night "
                "touched, written to data/reports/<story_id>.html; claims and conflicts as Markdown metadata. "
                "Copies' diffs are kept in reports.copy_diffs and reused on later nights.",
)
def story_reports(context: dg.AssetExecutionContext, config: ReportsConfig,
                  warehouse: WarehouseResource) -> dg.MaterializeResult:
    out_dir = reports_dir(warehouse)

    def compute(con, partition: str) -> StageOutput:
        story_ids = stories_touched(con, partition)
        started = time.perf_counter()
        summary = ReportSummary(MAX_STORIES_IN_SUMMARY)
        conflicts = written = reused = 0
        skipped, rediffed = [], []

        def keep_diffs(new: list[NewDiff]) -> None:
            rediffed.extend(article_id for article_id, _, _ in new)
            parts.add("copy_diffs", pl.DataFrame(
                [(a, rep, d.key, d.inserted, d.removed, d.changed, d.rows_html) for a, rep, d in new],
                schema=COPY_DIFF_SCHEMA, orient="row").with_columns(
                    ingest_date=pl.lit(dt.date.fromisoformat(partition)), run_id=pl.lit(context.run_id)))

        for done in write_reports(con, story_ids, out_dir, workers=config.workers, batch_size=STORIES_PER_BATCH,
                                  keep_diffs=keep_diffs):
            if done.written:
                written += 1
                conflicts += done.conflicts
                reused += done.diffs_reused
                summary.add(done)
            else:  # members without a story row: say so, render the rest
                context.log.warning(f"no report for {done.story_id}: no story row with members in the warehouse")
                skipped.append(done.story_id)
            n = done.position
            if n % PROGRESS_EVERY == 0 or n == len(story_ids):
                rate = n / max(time.perf_counter() - started, 1e-9)
                context.log.info(f"story reports: {n} of {len(story_ids)} ({rate:.1f} stories/s)")
        shown = summary.markdown(con)  # most conflicted first, then night order
        if written > MAX_STORIES_IN_SUMMARY:
            shown.append(f"_…and {written - MAX_STORIES_IN_SUMMARY} more stories: see {out_dir}_")
        return StageOutput(
            writes=[TableWrite("reports.copy_diffs", parts.dataset("copy_diffs"), delete_where=COPY_DIFFS_DELETE)],
            extra_params={"rediffed_articles": rediffed},
            figures={"story reports": written, "stories without a report": len(skipped),
                     "conflicts shown": conflicts, "copy diffs reused": reused, "copy diffs made": len(rediffed),
                     "reports folder": str(out_dir)},
            description="\n\n---\n\n".join(shown) if shown else "No story touched this night.",
        )

    with tempfile.TemporaryDirectory(prefix=".reports-parts-", dir=Path(warehouse.path).resolve().parent) as folder:
        parts = ParquetParts(folder)
        return run_stage(context, warehouse, compute, config=config.model_dump())

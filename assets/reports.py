"""Reports: a static HTML story report for every story the night touched, summarised in the UI.

The pages land in data/reports/<story_id>.html (next to the warehouse; WIRETRACE_REPORTS to change)
and open in any browser without a server. The materialisation carries each story's claims and
conflicts as Markdown, so the on-call person sees them in the asset's history.
"""

import os
import time
from pathlib import Path

import dagster as dg

from orchestration.partitions import nightly_partitions
from orchestration.resources import WarehouseResource
from orchestration.stage import StageOutput, run_stage
from wiretrace.report import StoryNotFoundError, load_story, render_markdown, stories_touched, write_report

# Markdown metadata stays readable in the UI: full summaries for the most conflicted stories only.
MAX_STORIES_IN_SUMMARY = 20
PROGRESS_EVERY = 100


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
                "touched, written to data/reports/<story_id>.html; claims and conflicts as Markdown metadata.",
)
def story_reports(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    out_dir = reports_dir(warehouse)

    def compute(con, partition: str) -> StageOutput:
        story_ids = stories_touched(con, partition)
        started = time.perf_counter()
        summaries: list[tuple[int, str]] = []
        conflicts = 0
        skipped = []
        for n, story_id in enumerate(story_ids, start=1):
            try:
                report = load_story(con, story_id)
            except StoryNotFoundError as exc:  # members without a story row: report it, render the rest
                context.log.warning(f"no report for {story_id}: {exc}")
                skipped.append(story_id)
                continue
            write_report(report, out_dir)
            conflicts += len(report.conflicts)
            summaries.append((len(report.conflicts), render_markdown(report)))
            if n % PROGRESS_EVERY == 0 or n == len(story_ids):
                rate = n / max(time.perf_counter() - started, 1e-9)
                context.log.info(f"story reports: {n} of {len(story_ids)} ({rate:.1f} stories/s)")
        summaries.sort(key=lambda s: -s[0])  # stable: the most conflicted stories first
        shown = [md for _, md in summaries[:MAX_STORIES_IN_SUMMARY]]
        if len(summaries) > MAX_STORIES_IN_SUMMARY:
            shown.append(f"_…and {len(summaries) - MAX_STORIES_IN_SUMMARY} more stories: see {out_dir}_")
        return StageOutput(
            writes=[],
            figures={"story reports": len(story_ids) - len(skipped), "stories without a report": len(skipped),
                     "conflicts shown": conflicts, "reports folder": str(out_dir)},
            description="\n\n---\n\n".join(shown) if shown else "No story touched this night.",
        )

    return run_stage(context, warehouse, compute)

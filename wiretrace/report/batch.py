"""Write the reports of many stories: rows read in batches on one connection, diffs and HTML on a pool.

The warehouse connection stays in this process (DuckDB has one writer and the run holds it); workers get
a batch's rows as Arrow tables (StoryBatch), make its Python objects, build each report, write its page
and send back what the run summary needs. Diffs and rendering are ~90% of a report's cost, so two
workers nearly halve the stage. The pool forks: its workers run pyarrow's to_pylist, no polars.
"""

import heapq
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from wiretrace.report.data import StoryBatch, StoryReport, build_report, load_story_rows, read_story_batch
from wiretrace.report.markup import StoredDiff
from wiretrace.report.render import MARKDOWN_CONFLICTS, render_markdown, write_report


@dataclass(frozen=True)
class WrittenReport:
    story_id: str
    position: int  # 1-based, in the order of the ids given
    written: bool  # False: no story row or no members in the warehouse
    conflicts: int
    diffs_reused: int = 0  # copies whose kept diff (reports.copy_diffs) the page used
    diffs_made: int = 0  # copies diffed for the page (with stored diffs: new or stale ones, handed to keep_diffs)


# Batches read from the warehouse in one go: each read scans whole columns (bodies, kept diffs' HTML),
# so night 11 of ten history nights took 13.2 s read per batch of 200 stories, 3.97 s per 2,000 (+ 0.90 s
# to take each batch's rows).
BATCHES_PER_READ = 10

# (copy article_id, representative article_id, the diff): a copy diff to keep in reports.copy_diffs
NewDiff = tuple[str, str, StoredDiff]


def write_reports(con: duckdb.DuckDBPyConnection, story_ids: list[str], out_dir: str | Path, *,
                  workers: int = 1, batch_size: int = 200,
                  keep_diffs: Callable[[list[NewDiff]], None] | None = None) -> Iterator[WrittenReport]:
    """Write ``<out_dir>/<story_id>.html`` for every id; yield one WrittenReport per id, in order.

    ``keep_diffs``: build the pages with the copy diffs reports.copy_diffs keeps (a copy is diffed again
    only when its kept diff is missing or stale), and hand each batch's new diffs to ``keep_diffs``
    before yielding the batch's reports. The pages are the same either way."""
    stored = keep_diffs is not None

    def tasks() -> Iterator[tuple[StoryBatch, int, str]]:
        # read a window of batches at once (read_story_batch: a read scans whole columns), lazily as the
        # pool takes them; a worker makes its batch's Python objects (StoryBatch.rows)
        window = batch_size * BATCHES_PER_READ
        for start in range(0, len(story_ids), window):
            rows = read_story_batch(con, story_ids[start:start + window], stored_diffs=stored)
            for first in range(start, min(start + window, len(story_ids)), batch_size):
                yield rows.select(story_ids[first:first + batch_size]), first + 1, str(out_dir)

    def finished(batch: tuple[list[WrittenReport], list[NewDiff]]) -> list[WrittenReport]:
        done, new_diffs = batch
        if stored and new_diffs:
            keep_diffs(new_diffs)
        return done

    if workers <= 1 or len(story_ids) <= batch_size:
        for task in tasks():
            yield from finished(_write_batch(task))
        return
    with ProcessPoolExecutor(workers) as pool:
        pending: list[Future] = []
        for task in tasks():  # at most workers + 1 batches ahead (and one read window in this process)
            pending.append(pool.submit(_write_batch, task))
            if len(pending) > workers:
                yield from finished(pending.pop(0).result())
        for future in pending:
            yield from finished(future.result())


def _write_batch(task: tuple[StoryBatch, int, str]) -> tuple[list[WrittenReport], list[NewDiff]]:
    batch, first, out_dir = task
    done, new_diffs = [], []
    for position, (story_id, rows) in enumerate(batch.rows().items(), start=first):
        if rows is None:
            done.append(WrittenReport(story_id, position, False, 0))
            continue
        report = build_report(rows)
        write_report(report, out_dir)
        copies = sum(len(group.copies) for group in report.copy_groups)
        if rows.stored_diffs is None:
            made, reused = copies, 0
        else:
            made_here = new_diffs_of(report, rows.stored_diffs)
            new_diffs += made_here
            made, reused = len(made_here), copies - len(made_here)
        done.append(WrittenReport(story_id, position, True, len(report.conflicts), diffs_reused=reused,
                                  diffs_made=made))
    return done, new_diffs


def new_diffs_of(report: StoryReport, stored: dict[str, StoredDiff]) -> list[NewDiff]:
    """The copies of a report built with ``stored`` diffs whose diff is not the kept one (a reused diff
    is the kept object itself): what the report had to diff."""
    return [(view.article.article_id, group.representative.article_id, view.diff)
            for group in report.copy_groups for view in group.copies
            if stored.get(view.article.article_id) is not view.diff]


class ReportSummary:
    """The ``size`` most conflicted stories of a run (ties to the earlier position), as Markdown."""

    def __init__(self, size: int):
        self.size = size
        self._top: list[tuple[int, int, str]] = []  # (conflicts, -position, story_id)

    def add(self, done: WrittenReport) -> None:
        if not done.written:
            return
        entry = (done.conflicts, -done.position, done.story_id)
        if len(self._top) < self.size:
            heapq.heappush(self._top, entry)
        elif entry > self._top[0]:
            heapq.heapreplace(self._top, entry)

    def markdown(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        """Most conflicted first, then by position. Only the kept stories are rendered (read again:
        a night's worth of Markdown nobody sees cost more than reading twenty stories twice), each
        built from the first MARKDOWN_CONFLICTS conflicts, the ones its Markdown lists: on ten history
        nights the top twenty had 106,039, which made 19 MB of Markdown and took 2.9 s to build their
        sides and 3.8 s to render."""
        kept = sorted(self._top, reverse=True)
        # the Markdown shows no diff: the copies' kept diffs stand in for diffing the most conflicted
        # (often the largest) stories again; only the copies diffed tonight, not yet written, are
        rows = load_story_rows(con, [story_id for *_, story_id in kept], stored_diffs=True) if kept else {}

        def shown(story_id: str) -> StoryReport:
            return build_report(replace(rows[story_id], conflicts=rows[story_id].conflicts[:MARKDOWN_CONFLICTS]))

        return [render_markdown(shown(story_id), max_conflicts=MARKDOWN_CONFLICTS, conflict_count=conflicts)
                for conflicts, _, story_id in kept]

"""Story reports: a static HTML page per story (copies grouped, side-by-side diffs, claims with support,
conflicts highlighted) and a Markdown summary for the Dagster UI. Pure library: no Dagster import."""

from wiretrace.report.batch import ReportSummary, WrittenReport, write_reports
from wiretrace.report.data import (StoryNotFoundError, StoryReport, StoryRows, build_report, load_stories, load_story,
                                   load_story_rows, stories_touched)
from wiretrace.report.diff import CopyDiff, DiffRow, Segment, diff_copy, word_diff
from wiretrace.report.render import md_cell, render_html, render_markdown, report_path, write_report

__all__ = [
    "CopyDiff", "DiffRow", "ReportSummary", "Segment", "StoryNotFoundError", "StoryReport", "StoryRows", "WrittenReport",
    "build_report", "diff_copy", "load_stories", "load_story", "load_story_rows", "md_cell", "render_html",
    "render_markdown", "report_path", "stories_touched", "word_diff", "write_report", "write_reports",
]

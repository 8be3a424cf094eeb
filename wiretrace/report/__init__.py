"""Story reports: a static HTML page per story (copies grouped, side-by-side diffs, claims with support,
conflicts highlighted) and a Markdown summary for the Dagster UI. Pure library: no Dagster import."""

from wiretrace.report.data import StoryNotFoundError, StoryReport, load_stories, load_story, stories_touched
from wiretrace.report.diff import CopyDiff, DiffRow, Segment, diff_copy, word_diff
from wiretrace.report.render import md_cell, render_html, render_markdown, report_path, write_report

__all__ = [
    "CopyDiff", "DiffRow", "Segment", "StoryNotFoundError", "StoryReport", "diff_copy", "load_stories", "load_story",
    "md_cell", "render_html", "render_markdown", "report_path", "stories_touched", "word_diff", "write_report",
]

"""Render a StoryReport as a static HTML page or a Markdown summary (jinja2 templates in the package).

Article text is hostile input: the HTML environment autoescapes everything, and the Markdown filter
escapes what Markdown would interpret (links, emphasis, HTML tags, table pipes).
"""

import os
import re
from functools import cache
from pathlib import Path

import jinja2
from jinja2.filters import do_truncate
from markupsafe import Markup

from wiretrace.report.data import ConflictSide, StoryReport
from wiretrace.report.markup import diff_rows_html, escape_text, segments_html

_HTML_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("wiretrace.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_MD_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("wiretrace.report", "templates"),
    autoescape=False,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# Conflicts, diff rows, their segments and claim rows are built here rather than by template loops and
# macros: a 10k-article night renders ~1.3M segments, ~180k claim rows and ~150k conflicts, and those
# calls were most of the reports' render time. The output is the same markup the template loops wrote
# (segments and diff rows: wiretrace/report/markup.py).


def _truncated(text: str, length: int) -> str:
    """jinja's ``|truncate(length)``, escaped."""
    return escape_text(do_truncate(_HTML_ENV, text, length))


def outlet_html(name: str | None) -> Markup:
    """An outlet's name, or a placeholder (a Python global, not a template macro: a macro call costs
    more, and a page calls it for every copy and every conflict side)."""
    return Markup(escape_text(name)) if name else Markup("(unknown outlet)")


def _count(value: object) -> str:
    """markupsafe.escape's output for a count cell (an int's digits need no escaping), without a Markup
    object per cell."""
    return str(value) if type(value) is int else escape_text(str(value))


def claim_rows_html(claims) -> Markup:
    """The rows of the claims table, each ending in a newline (a story has hundreds: one per aligned
    sentence, quote or number)."""
    rows = []
    for c in claims:
        conflicts = c["conflict_count"]
        rows.append(
            f'<tr class="claim{" has-conflict" if conflicts else ""}" data-claim-id="{escape_text(c["claim_id"])}">\n'
            f'<td>{escape_text(c["claim_type"])}</td>'
            f'<td>{_truncated(c["canonical_text"], 300)}</td>'
            f'<td>{escape_text(c["claimant"] or "")}</td>\n'
            f'<td class="num">{_count(c["article_count"])}</td><td class="num">{_count(c["outlet_count"])}</td>\n'
            f'<td class="num">{_count(c["independent_origins"])}</td>'
            f'<td class="num conflicts">{_count(conflicts or "")}</td>\n</tr>\n')
    return Markup("".join(rows))


def conflict_blocks_html(conflicts) -> Markup:
    """One <div class="conflict"> per conflict: its type and claim, what each side says, and each value
    in its paragraph (a story of many copies can have hundreds)."""
    blocks = []

    # a side (and a claim's text) recurs in many conflicts of a claim: each is rendered once per page
    @cache
    def says(side: ConflictSide) -> tuple[str, str]:
        """(the side's header cell, its value in context)."""
        return (f'{outlet_html(side.outlet)} <code>{escape_text(side.article_id)}</code> says '
                f'<mark class="conflict-value">{_truncated(side.value, 120)}</mark>', segments_html(side.context))

    @cache
    def about(claim_text: str | None) -> str:
        return f": <i>{_truncated(claim_text, 200)}</i>" if claim_text else ""

    for c in conflicts:
        ctype, claim_id = escape_text(c.conflict_type), escape_text(c.claim_id)
        claim = about(c.claim_text)
        (head_a, context_a), (head_b, context_b) = says(c.a), says(c.b)
        blocks.append(
            f'<div class="conflict" data-conflict-type="{ctype}" data-claim-id="{claim_id}">\n'
            f'<p><span class="badge">{ctype}</span> in claim <code>{claim_id}</code>{claim}</p>\n'
            f'<table class="conflict-sides">\n<tr><th>{head_a}</th>\n<th>{head_b}</th></tr>\n'
            f'<tr><td>{context_a}</td><td>{context_b}</td></tr>\n</table>\n</div>\n')
    return Markup("".join(blocks))


_HTML_ENV.globals["outlet"] = outlet_html
_HTML_ENV.filters["claim_rows"] = claim_rows_html
_HTML_ENV.filters["diff_rows"] = diff_rows_html
_HTML_ENV.filters["conflict_blocks"] = conflict_blocks_html
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")
# Story ids are st_ + hex; anything else never becomes a file name.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


def md_cell(value: object, limit: int = 160) -> str:
    """One Markdown table cell / inline text: single line, trimmed, Markdown and HTML neutralised."""
    text = "" if value is None else " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


_MD_ENV.filters["md"] = md_cell


def render_html(report: StoryReport) -> str:
    return _HTML_ENV.get_template("story.html.j2").render(r=report)


# Conflicts a story's Markdown lists: its page has them all.
MARKDOWN_CONFLICTS = 25


def render_markdown(report: StoryReport, *, max_claims: int = 10, max_conflicts: int = MARKDOWN_CONFLICTS,
                    conflict_count: int | None = None) -> str:
    """The story's summary for the run's Markdown: its best-supported claims and its first conflicts (the
    page has them all; a story of ten nights can have 15,000, too many for a materialisation event).
    ``conflict_count``: the story's conflicts when ``report`` was built from the first ones only."""
    count = len(report.conflicts) if conflict_count is None else conflict_count
    return _MD_ENV.get_template("story.md.j2").render(
        r=report, max_claims=max_claims, max_conflicts=max_conflicts, conflict_count=count).strip() + "\n"


def report_path(out_dir: str | os.PathLike, story_id: str) -> Path:
    if not _SAFE_NAME.match(story_id):
        raise ValueError(f"not a story id usable as a file name: {story_id!r}")
    return Path(out_dir) / f"{story_id}.html"


def write_report(report: StoryReport, out_dir: str | os.PathLike) -> Path:
    """Write <out_dir>/<story_id>.html atomically (a reader never sees a half-written page)."""
    target = report_path(out_dir, report.story_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.write_text(render_html(report), encoding="utf-8")
    os.replace(staging, target)
    return target

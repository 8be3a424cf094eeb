"""The HTML of diff rows and text segments, and copy diffs kept as that HTML between nights.

A story's page shows every copy diffed against its copy group's representative, and a story the night
extends is rendered whole again: on ten nights of history, diffing and rendering the copies of earlier
nights was ~90% of the reports' cost. A ``StoredDiff`` is a copy's diff counts with its rows already
rendered, under a ``diff_key`` naming both texts and the code that diffs and renders them: the reports
stage keeps them in reports.copy_diffs and diffs again only a copy whose key changed (a new copy, an
edited body, a new representative, or a change to this module or diff.py).
"""

import inspect
import sys
from dataclasses import dataclass

import xxhash
from markupsafe import Markup

import wiretrace
from wiretrace.report.diff import CopyDiff, Segment

_SEGMENT_TAGS = {"ins": ("<ins>", "</ins>"), "del": ("<del>", "</del>"),
                 "conflict": ('<mark class="conflict-value">', "</mark>")}


def escape_text(text: str) -> str:
    """markupsafe.escape's output for a str, as a plain str: escape() wraps every piece in a Markup
    object, and a night's pages have millions of pieces."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


def segments_html(parts: tuple[Segment, ...]) -> Markup:
    """Segments as escaped text, changed ones wrapped in <ins>, <del> or a conflict <mark>."""
    out = []
    for seg in parts:
        tags = _SEGMENT_TAGS.get(seg.change)
        out.append(f"{tags[0]}{escape_text(seg.text)}{tags[1]}" if tags else escape_text(seg.text))
    return Markup("".join(out))


@dataclass(frozen=True)
class StoredDiff:
    """A copy's diff against its representative as the reports stage keeps it: the counts, and the <tr>
    rows of its side-by-side table ('' for an identical copy, whose table the page leaves out)."""
    key: str  # diff_key of the two texts it was made from
    rows_html: str
    inserted: int
    removed: int
    changed: int

    @property
    def identical(self) -> bool:
        return not (self.inserted or self.removed or self.changed)


def diff_rows_html(diff: CopyDiff | StoredDiff) -> Markup:
    """The <tr> rows of a side-by-side diff table, one per line."""
    if isinstance(diff, StoredDiff):
        return Markup(diff.rows_html)
    return Markup("".join(
        f'<tr class="{row.kind}"><td class="left">{segments_html(row.left)}</td>'
        f'<td class="right">{segments_html(row.right)}</td></tr>\n' for row in diff.rows))


def stored_diff(diff: CopyDiff, key: str) -> StoredDiff:
    return StoredDiff(key, "" if diff.identical else str(diff_rows_html(diff)), diff.inserted, diff.removed,
                      diff.changed)


def _code_fingerprint() -> bytes:
    """The source of the code a stored diff's rows come from: editing it retires every stored diff.
    (An install without sources falls back to the package version: a release retires them.)"""
    modules = (sys.modules[CopyDiff.__module__], sys.modules[__name__])
    try:
        code = "".join(inspect.getsource(m) for m in modules)
    except OSError:
        code = f"wiretrace {wiretrace.__version__}"
    return xxhash.xxh3_64_digest(code.encode())


_CODE = _code_fingerprint()


def diff_key(copy_body: str, representative_body: str) -> str:
    """What a copy's stored diff is valid for: these two texts, diffed and rendered by this code."""
    representative = representative_body.encode()
    digest = xxhash.xxh3_128(_CODE)
    digest.update(len(representative).to_bytes(8, "little"))  # a length, not a separator: bodies may hold any byte
    digest.update(representative)
    digest.update(copy_body.encode())
    return digest.hexdigest()

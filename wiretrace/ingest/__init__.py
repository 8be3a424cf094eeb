"""Ingest: a folder of raw inputs → ``raw.documents`` + ``raw.rejects`` (polars DataFrames).

Entry points
    ``scan_inbox(inbox, *, limits=None, workers=1) -> IngestResult`` reads every path under ``inbox``
    recursively (pass the partition folder, e.g. ``inbox/2025-06-08/``, when it exists).
    ``list_inputs(inbox)`` + ``read_path(path, inbox, limits) -> FileOutcome`` do the same one file at a
    time, for callers that stream or parallelise themselves.

Accounting
    Every input path ends as one row in ``documents`` or ``rejects`` — or, for multi-record files
    (WARC, JSON lists, JSON Lines, RSS/Atom), one row per record plus a reject per unreadable part.
    Records skipped on purpose (WARC request/dns/warcinfo/non-HTML/non-2xx) are counted in
    ``IngestResult.skipped``; a file that yields nothing at all is rejected as ``empty``. A bad input
    never raises; only a missing inbox does.

Formats (by extension, ``.gz`` of any of them allowed; unknown extensions are sniffed)
    ``.txt`` → text, ``.md/.markdown`` → markdown, ``.html/.htm`` → html; ``.json`` (an object or a list
    of objects) and ``.jsonl`` (one object per line) with fields url, title, text|html, published,
    source; ``.warc(.gz)`` (warcio: 2xx response records with an HTML payload, HTTP headers stripped,
    truncated and digest-failing records rejected, records before damage kept); ``.xml/.rss/.atom``
    RSS/Atom (defusedxml refuses entity declarations, then feedparser; one document per item).

Encoding
    ``raw_bytes`` keeps the payload bytes; ``encoding`` is a Python codec name such that
    ``raw_bytes.decode(encoding)`` gives ``raw_text``. Order: BOM (UTF-8/16/32), strict UTF-8, the declared
    charset (HTTP header / ``<meta>``), charset-normalizer restricted to web encodings (ties broken toward
    cp1252, so Western text is not read as cp1250). JSON and feed payloads are stored as UTF-8.
    NUL bytes, binary signatures or >5% control characters → reject ``binary``.

Outlet
    The record URL's host (lowercase, ``www.`` stripped) → ``outlet_source='url'``; else JSON ``source``
    (``'json'``); else the first-level folder under the inbox (``'folder'``); else the file stem (``'file'``).

Limits (``IngestLimits``): 20 MB per file/record (``too_large``, checked on the size before reading),
gzip streamed with a 50 MB inflation cap (``decompression_bomb``). Symbolic links are never followed out
of the inbox, files are opened with O_NOFOLLOW and O_NONBLOCK. No code path recurses over input
structure. Reason codes and their meaning: ``REASON_CODES``.
"""

from .records import (
    DOCUMENT_SCHEMA,
    REASON_CODES,
    REJECT_SCHEMA,
    Document,
    FileOutcome,
    IngestLimits,
    IngestResult,
    Reject,
    make_document_id,
)
from .scan import list_inputs, read_path, scan_inbox

__all__ = [
    "DOCUMENT_SCHEMA",
    "REASON_CODES",
    "REJECT_SCHEMA",
    "Document",
    "FileOutcome",
    "IngestLimits",
    "IngestResult",
    "Reject",
    "list_inputs",
    "make_document_id",
    "read_path",
    "scan_inbox",
]

"""Row types, identifiers, reason codes and the DataFrame schemas of ``raw.documents`` / ``raw.rejects``."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field, fields

import polars as pl

MB = 1_000_000


@dataclass(frozen=True)
class IngestLimits:
    """Caps that keep one hostile input from exhausting memory or time.

    Attributes:
        max_file_bytes: a single-record file (txt/md/html/json/feed) larger than this on disk is rejected
            as ``too_large`` without being read.
        max_record_bytes: one record's payload (a decompressed file, a WARC record, a JSON line) larger
            than this is rejected as ``too_large``.
        max_decompressed_bytes: gzip data that inflates beyond this is rejected as ``decompression_bomb``
            (inflation is streamed, so memory stays at ``max_record_bytes``).
        max_control_ratio: share of control / replacement characters above which decoded text is
            treated as binary junk.
    """

    max_file_bytes: int = 20 * MB
    max_record_bytes: int = 20 * MB
    max_decompressed_bytes: int = 50 * MB
    max_control_ratio: float = 0.05


# Reason codes of raw.rejects. The value is the generic explanation; each reject's `reason` says more.
REASON_CODES: dict[str, str] = {
    "empty": "no content: zero bytes, only whitespace, or a feed/archive without any record",
    "binary": "binary data (NUL bytes, control characters, image/archive signature), not text",
    "too_large": "larger than the configured size cap (IngestLimits)",
    "decompression_bomb": "gzip data inflating beyond the configured cap",
    "corrupt_gzip": "truncated or damaged gzip stream",
    "malformed_warc": "a WARC record that is truncated, fails its digest, or cannot be parsed",
    "invalid_json": "not parseable as JSON",
    "wrong_type": "a JSON record or field of the wrong type",
    "missing_content": "a JSON record or feed item without any text/html content",
    "xml_entities": "XML declaring entities or external references, refused as a possible entity bomb",
    "malformed_feed": "an .xml/.rss/.atom file that is not a readable RSS/Atom feed",
    "unsupported_format": "unknown extension and the content is neither HTML, JSON, WARC, feed nor text",
    "symlink_outside_inbox": "a symbolic link whose target lies outside the inbox (never followed)",
    "symlink_directory": "a symbolic link to a folder (not followed, to avoid loops and double counting)",
    "broken_symlink": "a symbolic link whose target does not exist",
    "not_a_file": "a FIFO, socket or device, not a regular file",
    "vanished": "the file disappeared between listing the inbox and reading it",
    "unreadable": "the file or folder could not be read (permissions or I/O error)",
    "duplicate": "same source, record position and bytes as a document already ingested in this scan",
    "internal_error": "an unexpected error in the ingest code (a bug: please report it)",
}

DOCUMENT_SCHEMA: dict[str, pl.DataType] = {
    "document_id": pl.String(),
    "source_path": pl.String(),
    "source_url": pl.String(),
    "record_index": pl.Int64(),
    "outlet": pl.String(),
    "outlet_source": pl.String(),
    "format": pl.String(),
    "content_type": pl.String(),
    "encoding": pl.String(),
    "raw_bytes": pl.Binary(),
    "raw_text": pl.String(),
    "content_sha256": pl.String(),
    "byte_size": pl.Int64(),
    "title_hint": pl.String(),
    "published_hint": pl.String(),
}

REJECT_SCHEMA: dict[str, pl.DataType] = {
    "reject_id": pl.String(),
    "source_path": pl.String(),
    "record_index": pl.Int64(),
    "reason_code": pl.String(),
    "reason": pl.String(),
    "byte_size": pl.Int64(),
    "content_sha256": pl.String(),
}

FORMATS = ("txt", "md", "html", "json", "jsonl", "warc", "feed")
CONTENT_TYPES = ("text", "markdown", "html")
OUTLET_SOURCES = ("url", "json", "folder", "file")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_document_id(source_key: str, record_index: int, content_sha256: str) -> str:
    """First 16 hex of sha256(source_key NUL record_index NUL content_sha256) (docs/ARCHITECTURE.md)."""
    key = f"{source_key}\x00{record_index}\x00{content_sha256}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(key).hexdigest()[:16]


def make_reject_id(source_path: str, record_index: int, reason_code: str) -> str:
    key = f"{source_path}\x00{record_index}\x00{reason_code}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(key).hexdigest()[:16]


@dataclass(slots=True)
class Document:
    document_id: str
    source_path: str
    source_url: str | None
    record_index: int
    outlet: str
    outlet_source: str
    format: str
    content_type: str
    encoding: str
    raw_bytes: bytes
    raw_text: str
    content_sha256: str
    byte_size: int
    title_hint: str | None
    published_hint: str | None


@dataclass(slots=True)
class Reject:
    reject_id: str
    source_path: str
    record_index: int
    reason_code: str
    reason: str
    byte_size: int | None
    content_sha256: str | None


def new_reject(
    source_path: str,
    record_index: int,
    reason_code: str,
    reason: str,
    byte_size: int | None = None,
    content_sha256: str | None = None,
) -> Reject:
    assert reason_code in REASON_CODES, reason_code
    return Reject(
        reject_id=make_reject_id(source_path, record_index, reason_code),
        source_path=source_path,
        record_index=record_index,
        reason_code=reason_code,
        reason=reason,
        byte_size=byte_size,
        content_sha256=content_sha256,
    )


@dataclass
class FileOutcome:
    """What one input path produced: its documents, its rejects, and counts of records skipped on purpose
    (e.g. WARC request/dns/image records), keyed by a short label."""

    documents: list[Document] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)


@dataclass
class IngestResult:
    """The output of :func:`wiretrace.ingest.scan_inbox`.

    ``documents`` and ``rejects`` have the columns of ``raw.documents`` / ``raw.rejects`` (without
    ``ingest_date`` and ``run_id``). ``skipped`` counts records deliberately not ingested (WARC
    request/metadata/non-HTML records); ``inputs`` is the number of paths listed under the inbox.
    """

    documents: pl.DataFrame
    rejects: pl.DataFrame
    skipped: dict[str, int]
    inputs: int


def _frame(rows: list, cls, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    names = [f.name for f in fields(cls)]
    assert names == list(schema), (names, list(schema))
    columns = {name: [getattr(row, name) for row in rows] for name in names}
    return pl.DataFrame(columns, schema=schema)


def documents_frame(rows: list[Document]) -> pl.DataFrame:
    return _frame(rows, Document, DOCUMENT_SCHEMA)


def rejects_frame(rows: list[Reject]) -> pl.DataFrame:
    return _frame(rows, Reject, REJECT_SCHEMA)

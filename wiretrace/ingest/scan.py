"""Listing the inbox and reading each path: the accounting layer that guarantees every input ends as
documents or rejects, and that no input makes the scan raise."""

from __future__ import annotations

import io
import os
import stat
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context
from pathlib import Path, PurePath

from .formats import (
    Source, clean_str, read_feed, read_json, read_jsonl, read_single, read_warc, sniff_format,
)
from .records import (
    FileOutcome, IngestLimits, IngestResult, Reject, documents_frame, new_reject, rejects_frame, sha256_hex,
)
from .sources import GZIP_MAGIC, CappedGzipReader, InputError, inflate_capped, open_regular, read_capped, too_large

_EXTENSION_FORMATS = {
    "txt": "txt", "text": "txt",
    "md": "md", "markdown": "md",
    "html": "html", "htm": "html", "xhtml": "html", "shtml": "html",
    "json": "json",
    "jsonl": "jsonl", "ndjson": "jsonl",
    "warc": "warc",
    "xml": "feed", "rss": "feed", "atom": "feed",
}
_PARALLEL_MIN_FILES = 2000  # spawning workers costs ~2 s (imports); serial reads ~7 ms per file


def format_of_name(name: str) -> tuple[str | None, bool, str]:
    """(format or None when unknown, gzip-compressed?, stem) from a file name."""
    lower = name.lower()
    compressed = lower.endswith(".gz") and len(lower) > 3
    base = name[:-3] if compressed else name
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem:
        return None, compressed, base
    return _EXTENSION_FORMATS.get(ext.lower()), compressed, stem


def _relative(path: str, inbox: str) -> str:
    rel = os.path.relpath(path, inbox)
    return clean_str(PurePath(rel).as_posix())


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def read_path(path: str | os.PathLike, inbox: str | os.PathLike, limits: IngestLimits | None = None) -> FileOutcome:
    """Read one input path under ``inbox``: its documents, rejects and skipped-record counts.

    Never raises for a bad input; the caller can stream or parallelise over paths from
    :func:`list_inputs`. Symbolic links are resolved only to check they stay inside the inbox.
    """
    limits = limits or IngestLimits()
    inbox_str = os.path.abspath(os.fspath(inbox))
    path_str = os.fspath(path)
    if not os.path.isabs(path_str):
        path_str = os.path.join(inbox_str, path_str)
    source_path = _relative(path_str, inbox_str)
    parts = PurePath(source_path).parts
    fmt, compressed, stem = format_of_name(parts[-1] if parts else source_path)
    src = Source(source_path=source_path, folder=parts[0] if len(parts) > 1 else None,
                 stem=clean_str(stem), limits=limits)
    out = FileOutcome()
    seen: dict = {}
    try:
        target = _resolve(path_str, inbox_str)
        with open_regular(target) as handle:
            _dispatch(handle, fmt, compressed, src, out, seen)
    except InputError as exc:
        data = seen.get("data")
        if exc.byte_size is not None:
            byte_size = exc.byte_size
        else:
            byte_size = len(data) if data is not None else seen.get("size")
        out.rejects.append(new_reject(source_path, 0, exc.code, exc.reason, byte_size,
                                      sha256_hex(data) if data is not None else None))
    except Exception as exc:  # a bug must not lose the file or stop the night
        out.rejects.append(new_reject(
            source_path, 0, "internal_error",
            f"Ingest failed unexpectedly ({type(exc).__name__}: {str(exc)[:200]}); this is a bug in "
            "wiretrace.ingest, please report it with the file."))
    if not out.documents and not out.rejects:
        skipped = ", ".join(f"{count} {label}" for label, count in sorted(out.skipped.items()))
        out.rejects.append(new_reject(
            source_path, 0, "empty",
            f"The file yielded no document: no record is an HTML/text article (skipped: {skipped or 'none'})."))
    return out


def _resolve(path: str, inbox: str) -> str:
    """The path to open: the path itself, or a symlink's target when that stays inside the inbox."""
    try:
        info = os.lstat(path)
    except FileNotFoundError as exc:
        raise InputError("vanished", "The file disappeared between listing the inbox and reading it; if it "
                         "was moved on purpose nothing is lost, otherwise re-deliver it.") from exc
    except OSError as exc:
        raise InputError("unreadable", f"The file cannot be inspected ({exc.strerror}).") from exc
    if stat.S_ISLNK(info.st_mode):
        target = os.path.realpath(path)
        if not _is_within(target, os.path.realpath(inbox)):
            raise InputError("symlink_outside_inbox", "This is a symbolic link to a path outside the inbox; "
                             "it was not followed. Copy the real file into the inbox instead.")
        if not os.path.exists(target):
            raise InputError("broken_symlink", "This symbolic link points to a file that does not exist; "
                             "remove the link or deliver the file.")
        if os.path.isdir(target):
            raise InputError("symlink_directory", "This is a symbolic link to a folder; folder links are not "
                             "followed (loops, double counting). Files in that folder are read at their "
                             "real path.")
        return target
    if stat.S_ISDIR(info.st_mode):
        raise InputError("not_a_file", "This is a folder, not a file; pass files to read_path.")
    return path


def _dispatch(handle, fmt: str | None, compressed: bool, src: Source, out: FileOutcome,
              seen: dict[str, bytes]) -> None:
    limits = src.limits
    size = os.fstat(handle.fileno()).st_size
    seen["size"] = size
    if fmt == "warc":  # warcio inflates per-record gzip members itself
        read_warc(handle, size, src, out)
        return
    if fmt == "jsonl":
        stream = io.BufferedReader(CappedGzipReader(handle, limits.max_decompressed_bytes)) if compressed else handle
        read_jsonl(stream, src, out)
        return
    if size > limits.max_file_bytes:
        raise too_large(size, limits.max_file_bytes)
    if compressed:
        data = inflate_capped(handle, limits.max_record_bytes, limits.max_decompressed_bytes)
    else:
        data = read_capped(handle, limits.max_file_bytes)
        if data.startswith(GZIP_MAGIC):  # gzip saved under a plain name (e.g. a page stored with its encoding)
            seen["data"] = data
            data = inflate_capped(io.BytesIO(data), limits.max_record_bytes, limits.max_decompressed_bytes)
    seen["data"] = data
    _dispatch_bytes(data, fmt, src, out)


def _dispatch_bytes(data: bytes, fmt: str | None, src: Source, out: FileOutcome) -> None:
    if fmt is not None:
        _read_bytes_as(data, fmt, src, out)
        return
    if not data.strip():
        raise InputError("empty", "The file is empty or whitespace only; nothing to ingest.", len(data))
    try:
        _read_bytes_as(data, sniff_format(data), src, out)
    except InputError as exc:
        if exc.code != "binary":
            raise
        detail = exc.reason.removeprefix("The file is binary, not text: ").split(". ")[0]
        raise InputError("unsupported_format", f"The file has an unknown extension and its content is not text "
                         f"({detail}). Only .txt .md .html(.gz) .json(l) .warc(.gz) and RSS/Atom feeds are read.",
                         len(data)) from exc


def _read_bytes_as(data: bytes, fmt: str, src: Source, out: FileOutcome) -> None:
    if fmt in ("txt", "md", "html"):
        out.documents.append(read_single(data, fmt, src))
    elif fmt == "json":
        read_json(data, src, out)
    elif fmt == "jsonl":
        read_jsonl(io.BytesIO(data), src, out)
    elif fmt == "warc":
        read_warc(io.BytesIO(data), len(data), src, out)
    elif fmt == "feed":
        read_feed(data, src, out)
    else:  # pragma: no cover - every format above is handled
        raise InputError("unsupported_format", f"Format {fmt!r} has no reader.", len(data))


def list_inputs(inbox: str | os.PathLike) -> tuple[list[str], list[Reject]]:
    """Every non-folder entry under ``inbox`` (recursively, sorted, without following folder links),
    plus a reject for each folder that cannot be listed. Iterative, so deep trees cannot overflow."""
    root = os.path.abspath(os.fspath(inbox))
    paths: list[str] = []
    rejects: list[Reject] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda e: e.name, reverse=True)
        except OSError as exc:
            rejects.append(new_reject(_relative(folder, root), 0, "unreadable",
                                      f"This folder cannot be listed ({exc.strerror}); its files were not "
                                      "read. Fix its permissions."))
            continue
        for entry in listed:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                stack.append(entry.path)
            else:
                paths.append(entry.path)
    paths.sort()
    return paths, rejects


def scan_inbox(inbox: str | os.PathLike, *, limits: IngestLimits | None = None, workers: int | None = 1) -> IngestResult:
    """Read every input under ``inbox`` (recursively) into ``raw.documents`` / ``raw.rejects`` frames.

    ``workers`` > 1 (or None: both cores when there are many files) reads files in a process pool.
    Raises only when ``inbox`` itself is not a readable folder.
    """
    root = Path(inbox)
    if not root.is_dir():
        raise NotADirectoryError(f"inbox {root} is not an existing folder")
    limits = limits or IngestLimits()
    paths, listing_rejects = list_inputs(root)
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(paths) >= _PARALLEL_MIN_FILES else 1
    reader = partial(read_path, inbox=os.fspath(root), limits=limits)
    documents, rejects, skipped = [], list(listing_rejects), Counter()
    seen_ids: dict[str, str] = {}
    for outcome in _read_all(reader, paths, workers):
        skipped.update(outcome.skipped)
        rejects.extend(outcome.rejects)
        for document in outcome.documents:
            first = seen_ids.get(document.document_id)
            if first is None:
                seen_ids[document.document_id] = document.source_path
                documents.append(document)
            else:
                rejects.append(new_reject(
                    document.source_path, document.record_index, "duplicate",
                    f"Same source, record position and bytes as document {document.document_id} from "
                    f"{first}; kept once.", document.byte_size, document.content_sha256))
    docs_frame = documents_frame(documents).sort(["source_path", "record_index"])
    rejects_out = rejects_frame(rejects).sort(["source_path", "record_index", "reason_code"])
    return IngestResult(documents=docs_frame, rejects=rejects_out, skipped=dict(skipped), inputs=len(paths))


def _read_all(reader, paths: list[str], workers: int):
    if workers <= 1 or len(paths) < 2:
        for path in paths:
            yield reader(path)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        yield from pool.map(reader, paths, chunksize=max(1, min(16, len(paths) // (workers * 4))))

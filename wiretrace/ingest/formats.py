"""One reader per input format. Each turns bytes (or a stream) into :class:`Document` rows and, for
multi-record formats, a :class:`Reject` row per unreadable record; nothing here recurses over input
structure, so deeply nested HTML/XML/JSON cannot exhaust the stack."""

from __future__ import annotations

import html
import io
import json
import re
import zlib
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

from .encoding import Decoded, NotText, decode_bytes, meta_charset, normalise_charset
from .records import Document, FileOutcome, IngestLimits, make_document_id, new_reject, sha256_hex
from .sources import InputError, human_bytes, too_large

CONTENT_TYPE_OF_FORMAT = {"txt": "text", "md": "markdown", "html": "html"}
_HEAD_CHARS = 65536
_TITLE_RE = re.compile(r"<title\b[^>]{0,512}>([^<]{1,2000})", re.I)
_META_TAG_RE = re.compile(r"<meta\b[^>]{0,2048}>", re.I)
_ATTR_RE = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]{0,64})\s*=\s*(?:"([^"]{0,2048})"|'([^']{0,2048})')""")
_PUBLISHED_KEYS = {"article:published_time", "datepublished", "pubdate", "publishdate", "date",
                   "dc.date", "dc.date.issued", "og:published_time", "sailthru.date", "parsely-pub-date"}
_MD_HEADING_RE = re.compile(r"^\s{0,3}#\s+(.{1,500}?)\s*#*\s*$", re.M)
_HTML_SNIFF_RE = re.compile(rb"<(!doctype\s+html|html|head|body|div|p|article|title|meta)\b", re.I)
_FEED_SNIFF_RE = re.compile(rb"<(rss|feed|rdf:RDF)\b")
_JSON_FIELDS = ("url", "title", "text", "html", "published", "source")


@dataclass(frozen=True)
class Source:
    """Where the bytes came from: ``source_path`` relative to the inbox (posix), the first-level folder
    (the outlet convention ``inbox/<outlet>/file``) and the file stem, plus the limits in force."""

    source_path: str
    folder: str | None
    stem: str
    limits: IngestLimits


def url_domain(url: str | None) -> str | None:
    """Lowercased host of ``url`` without a leading ``www.``; None when there is no usable host."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".").lower()
    return host[4:] if host.startswith("www.") and len(host) > 4 else host


def derive_outlet(src: Source, url: str | None = None, json_source: str | None = None,
                  fallback_url: str | None = None) -> tuple[str, str]:
    """(outlet, outlet_source): URL domain, else JSON ``source``, else first-level folder, else stem."""
    domain = url_domain(url) or url_domain(fallback_url)
    if domain:
        return domain, "url"
    if json_source and json_source.strip():
        value = json_source.strip()
        return (url_domain(value) if "://" in value else None) or value.lower().removeprefix("www."), "json"
    if src.folder:
        return src.folder, "folder"
    return src.stem, "file"


def clean_str(value: str | None) -> str | None:
    """Strings that polars/UTF-8 can hold: lone surrogates (possible in JSON escapes, file names) replaced."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape" if _is_fs_escaped(value) else "replace").decode(
            "utf-8", "backslashreplace")


def _is_fs_escaped(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _squash(text: str, limit: int = 500) -> str | None:
    text = " ".join(html.unescape(text).split())
    return text[:limit] or None


def html_hints(text: str) -> tuple[str | None, str | None]:
    """(title, published) as found in the ``<title>`` and publication ``<meta>`` tags of the page head."""
    head = text[:_HEAD_CHARS]
    title_match = _TITLE_RE.search(head)
    title = _squash(title_match.group(1)) if title_match else None
    published = None
    for tag in _META_TAG_RE.finditer(head):
        attrs = {m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3))
                 for m in _ATTR_RE.finditer(tag.group(0))}
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if key in _PUBLISHED_KEYS and attrs.get("content", "").strip():
            published = attrs["content"].strip()[:100]
            break
    return title, published


def markdown_title(text: str) -> str | None:
    match = _MD_HEADING_RE.search(text[:_HEAD_CHARS])
    return _squash(match.group(1)) if match else None


def _is_blank(data: bytes) -> bool:
    return not data.strip()


def make_document(src: Source, *, record_index: int, fmt: str, content_type: str, payload: bytes,
                  decoded: Decoded, url: str | None = None, title: str | None = None,
                  published: str | None = None, json_source: str | None = None,
                  fallback_url: str | None = None) -> Document:
    url = clean_str(url.strip()) if url and url.strip() else None
    if title is None and published is None and content_type == "html":
        title, published = html_hints(decoded.text)
    elif title is None and content_type == "markdown":
        title = markdown_title(decoded.text)
    outlet, outlet_source = derive_outlet(src, url, json_source, fallback_url)
    digest = sha256_hex(payload)
    source_key = url or src.source_path
    return Document(
        document_id=make_document_id(source_key, record_index, digest),
        source_path=src.source_path,
        source_url=url,
        record_index=record_index,
        outlet=clean_str(outlet),
        outlet_source=outlet_source,
        format=fmt,
        content_type=content_type,
        encoding=decoded.encoding,
        raw_bytes=payload,
        raw_text=decoded.text,
        content_sha256=digest,
        byte_size=len(payload),
        title_hint=clean_str(title),
        published_hint=clean_str(published),
    )


def decode_or_reject(payload: bytes, declared: str | None, limits: IngestLimits, what: str) -> Decoded:
    if _is_blank(payload):
        raise InputError("empty", f"{what} is empty or whitespace only; nothing to ingest.", len(payload))
    try:
        decoded = decode_bytes(payload, declared, max_control_ratio=limits.max_control_ratio)
    except NotText as exc:
        raise InputError("binary", f"{what} is binary, not text: {exc}. Remove it or deliver the text "
                         "version.", len(payload)) from exc
    if not decoded.text.strip():
        raise InputError("empty", f"{what} decodes ({decoded.encoding}) to whitespace only; nothing to "
                         "ingest.", len(payload))
    return decoded


# ---------------------------------------------------------------- single-record text / markdown / HTML
def read_single(data: bytes, fmt: str, src: Source) -> Document:
    declared = meta_charset(data) if fmt == "html" else None
    decoded = decode_or_reject(data, declared, src.limits, "The file")
    return make_document(src, record_index=0, fmt=fmt, content_type=CONTENT_TYPE_OF_FORMAT[fmt],
                         payload=data, decoded=decoded)


def sniff_format(data: bytes) -> str | None:
    """A format for content with an unknown extension, judged from its first bytes."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"WARC/"):
        return "warc"
    if head.startswith(b"<?xml") or head.startswith(b"<rss") or head.startswith(b"<feed"):
        if _FEED_SNIFF_RE.search(head):
            return "feed"
    if head.startswith((b"{", b"[")):
        first_line = head.split(b"\n", 1)[0].rstrip()
        return "jsonl" if head.startswith(b"{") and first_line.endswith(b"}") and b"\n{" in head else "json"
    if _HTML_SNIFF_RE.search(head):
        return "html"
    return "txt"


# ---------------------------------------------------------------- JSON and JSON Lines
def _type_name(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def json_record(obj, src: Source, record_index: int, fmt: str, where: str) -> Document:
    """One JSON object (url, title, text|html, published, source) as a document."""
    if not isinstance(obj, dict):
        raise InputError("wrong_type", f"{where} is {_type_name(obj)}, not an object with url/title/"
                         "text|html/published/source fields; fix the producer.")
    values: dict[str, str | None] = {}
    for name in _JSON_FIELDS:
        value = obj.get(name)
        if name == "published" and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = json.dumps(value)  # an epoch number, kept as found
        if value is not None and not isinstance(value, str):
            raise InputError("wrong_type", f"{where}: field '{name}' is {_type_name(value)}, expected a "
                             "string; fix the producer or drop the field.")
        values[name] = clean_str(value)
    # Prefer the original HTML over an already-extracted text: the cleaner keeps what it removes.
    if values["html"] and values["html"].strip():
        content_type, body = "html", values["html"]
    elif values["text"] and values["text"].strip():
        content_type, body = "text", values["text"]
    else:
        raise InputError("missing_content", f"{where} has neither a non-empty 'text' nor 'html' field; "
                         "nothing to ingest.")
    payload = body.encode("utf-8")
    if _control_heavy(body, src.limits):
        raise InputError("binary", f"{where}: the '{content_type}' field is mostly control characters, "
                         "not text.", len(payload))
    return make_document(src, record_index=record_index, fmt=fmt, content_type=content_type,
                         payload=payload, decoded=Decoded(body, "utf-8"), url=values["url"],
                         title=_squash(values["title"]) if values["title"] else None,
                         published=values["published"], json_source=values["source"])


def _control_heavy(text: str, limits: IngestLimits) -> bool:
    try:
        decode_bytes(text[:65536].encode("utf-8"), max_control_ratio=limits.max_control_ratio)
    except NotText:
        return True
    return False


def _parse_json(text: str, where: str):
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise InputError("invalid_json", f"{where} is nested too deeply to parse; fix the producer.") from exc
    except ValueError as exc:
        raise InputError("invalid_json", f"{where} is not valid JSON ({exc}); fix or remove it.") from exc


def _record_outcome(out: FileOutcome, src: Source, record_index: int, build) -> None:
    try:
        out.documents.append(build())
    except InputError as exc:
        out.rejects.append(new_reject(src.source_path, record_index, exc.code, exc.reason, exc.byte_size))


def read_json(data: bytes, src: Source, out: FileOutcome) -> None:
    decoded = decode_or_reject(data, None, src.limits, "The JSON file")
    try:
        parsed = _parse_json(decoded.text, "The JSON file")
    except InputError as exc:
        if "Extra data" in exc.reason:  # JSON Lines saved as .json
            read_jsonl(io.BytesIO(data), src, out, fmt="jsonl")
            return
        raise InputError(exc.code, exc.reason, len(data)) from exc
    if isinstance(parsed, list):
        if not parsed:
            raise InputError("empty", "The JSON file holds an empty list; nothing to ingest.", len(data))
        for index, obj in enumerate(parsed):
            _record_outcome(out, src, index,
                            lambda obj=obj, index=index: json_record(obj, src, index, "json", f"Item {index}"))
    else:
        document = json_record(parsed, src, 0, "json", "The JSON document")
        out.documents.append(document)


def _iter_lines(stream: BinaryIO, cap: int):
    """(line_number, bytes | None) for each line; None when the line exceeded ``cap`` (it is skipped
    in bounded chunks, never held whole)."""
    number = 0
    while True:
        line = stream.readline(cap + 1)
        if not line:
            return
        if len(line) > cap and not line.endswith(b"\n"):
            while True:
                rest = stream.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
        else:
            yield number, line
        number += 1


def read_jsonl(stream: BinaryIO, src: Source, out: FileOutcome, fmt: str = "jsonl") -> None:
    """JSON Lines, streamed: record_index is the 0-based line number; blank lines are not records.
    A stream error (damaged gzip, bomb) keeps the lines before it and rejects the rest."""
    cap = src.limits.max_record_bytes
    line_number = 0
    try:
        for line_number, line in _iter_lines(stream, cap):
            where = f"Line {line_number + 1}"
            if line is None:
                out.rejects.append(new_reject(src.source_path, line_number, "too_large",
                                              f"{where} is longer than the {human_bytes(cap)} record cap; "
                                              "it was skipped. Split the record or raise IngestLimits."))
                continue
            if line_number == 0:
                line = line.removeprefix(b"\xef\xbb\xbf")
            if _is_blank(line):
                continue
            _record_outcome(out, src, line_number,
                            lambda line=line, n=line_number, where=where: _jsonl_line(line, src, n, fmt, where))
    except InputError as exc:
        out.rejects.append(new_reject(src.source_path, line_number + 1 if out.documents or out.rejects else 0,
                                      exc.code, f"After line {line_number + 1}: {exc.reason} Lines before "
                                      "it were kept.", exc.byte_size))


def _jsonl_line(line: bytes, src: Source, line_number: int, fmt: str, where: str) -> Document:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        text = decode_or_reject(line, None, src.limits, where).text
    return json_record(_parse_json(text, where), src, line_number, fmt, where)


# ---------------------------------------------------------------- WARC
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _content_type_and_charset(value: str | None) -> tuple[str, str | None]:
    if not value:
        return "", None
    parts = [p.strip() for p in value.split(";")]
    charset = None
    for part in parts[1:]:
        key, _, val = part.partition("=")
        if key.strip().lower() == "charset":
            charset = normalise_charset(val)
    return parts[0].lower(), charset


def _has_trailing_data(stream: BinaryIO, end_of_last: int) -> bool:
    """Bytes other than blank lines after the last complete record: a record cut inside its header (warcio
    stops silently there) or garbage."""
    stream.seek(end_of_last)
    while chunk := stream.read(1 << 16):
        if chunk.strip(b"\r\n"):
            return True
    return False


def _starts_like_warc(stream: BinaryIO) -> bool:
    """Peek (and rewind) the first bytes, inflating a leading gzip member, for the ``WARC/`` marker."""
    position = stream.tell()
    head = stream.read(4096)
    stream.seek(position)
    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(31).decompress(head, 64)
        except zlib.error:
            return False
    return head.lstrip(b"\r\n").startswith(b"WARC/")


def read_warc(stream: BinaryIO, size: int, src: Source, out: FileOutcome) -> None:
    """Response/resource records with an HTML payload become documents (HTTP headers stripped,
    Content-Encoding undone); other records are counted in ``out.skipped``; a truncated, digest-failing
    or unparseable record is a reject, and the records before it are kept."""
    from warcio.archiveiterator import ArchiveIterator

    cap = src.limits.max_record_bytes
    if not _starts_like_warc(stream):
        raise InputError("malformed_warc", "The file does not start with a WARC/1.x record header (ARC and "
                         "other archive formats are not read); re-deliver it as WARC.", size)
    iterator = ArchiveIterator(stream, check_digests=True)
    records = iter(iterator)
    index = -1
    end_of_last = 0
    while True:
        index += 1
        try:
            record = next(records)
        except StopIteration:
            break
        except Exception as exc:  # warcio raises ArchiveLoadFailed, zlib/EOF/ValueError on damage
            out.rejects.append(new_reject(
                src.source_path, index, "malformed_warc",
                f"WARC record {index} cannot be parsed ({type(exc).__name__}: {str(exc).strip()[:200]}); "
                f"the {index} records before it were read, the rest of the file is unreadable."))
            return
        try:
            _warc_record(record, index, src, cap, out)
        except InputError as exc:
            out.rejects.append(new_reject(src.source_path, index, exc.code, exc.reason, exc.byte_size))
        except Exception as exc:
            out.rejects.append(new_reject(
                src.source_path, index, "malformed_warc",
                f"WARC record {index} is damaged ({type(exc).__name__}: {str(exc).strip()[:200]}); skipped."))
        try:
            end_of_last = iterator.get_record_offset() + iterator.get_record_length()
        except Exception:
            pass
    if _has_trailing_data(stream, end_of_last):
        out.rejects.append(new_reject(
            src.source_path, index, "malformed_warc",
            f"WARC record {index} is truncated or unreadable: the last {max(size - end_of_last, 0)} bytes of the file do "
            f"not parse as a record; the {index} records before it were kept." if index else
            "The file is not a readable WARC archive (no complete record header); re-deliver it."))


def _warc_record(record, index: int, src: Source, cap: int, out: FileOutcome) -> None:
    rec_type = record.rec_type
    if rec_type not in ("response", "resource"):
        out.skipped[f"warc_{rec_type}"] += 1
        return
    content_type, charset = "", None
    if record.http_headers is not None:
        status = record.http_headers.get_statuscode() or ""
        if not status.startswith("2"):
            out.skipped["warc_non_2xx"] += 1
            return
        content_type, charset = _content_type_and_charset(record.http_headers.get_header("Content-Type"))
    elif rec_type == "resource":
        content_type, charset = _content_type_and_charset(record.rec_headers.get_header("Content-Type"))
    if content_type and not content_type.startswith(_HTML_TYPES):
        out.skipped["warc_non_html"] += 1
        return
    url = record.rec_headers.get_header("WARC-Target-URI")
    declared_length = int(record.rec_headers.get_header("Content-Length") or 0)
    if declared_length > cap:
        raise too_large(declared_length, cap, f"WARC record {index} ({url})")
    payload = record.content_stream().read(cap + 1)
    if len(payload) > cap:
        raise too_large(len(payload), cap, f"The decoded payload of WARC record {index} ({url})")
    if getattr(record.raw_stream, "limit", 0) > 0:
        raise InputError("malformed_warc", f"WARC record {index} ({url}) is truncated: "
                         f"{record.raw_stream.limit} of its {declared_length} declared bytes are missing. "
                         "Re-fetch or re-deliver the archive.", len(payload))
    checker = getattr(record, "digest_checker", None)
    if checker is not None and checker.passed is False:
        raise InputError("malformed_warc", f"WARC record {index} ({url}) fails its digest check "
                         f"({'; '.join(checker.problems)[:200]}): the bytes are corrupted.", len(payload))
    if not content_type and sniff_format(payload) != "html":
        out.skipped["warc_non_html"] += 1
        return
    decoded = decode_or_reject(payload, charset or meta_charset(payload), src.limits,
                               f"The payload of WARC record {index} ({url})")
    out.documents.append(make_document(src, record_index=index, fmt="warc", content_type="html",
                                       payload=payload, decoded=decoded, url=url))


# ---------------------------------------------------------------- RSS / Atom
def read_feed(data: bytes, src: Source, out: FileOutcome) -> None:
    """RSS/Atom: one document per item (content, else summary, as HTML). Entity declarations are
    refused with defusedxml before feedparser sees the bytes."""
    import defusedxml
    import defusedxml.ElementTree as SafeET
    import feedparser

    if _is_blank(data):
        raise InputError("empty", "The feed file is empty or whitespace only.", len(data))
    try:
        SafeET.fromstring(data)
    except (defusedxml.EntitiesForbidden, defusedxml.DTDForbidden, defusedxml.ExternalReferenceForbidden) as exc:
        raise InputError("xml_entities", f"The XML declares entities or external references ({exc}); "
                         "refused as a possible entity-expansion bomb. Deliver the feed without a DTD.",
                         len(data)) from exc
    except Exception:
        pass  # not well-formed XML: feedparser's lenient parser may still read it (bozo feeds are common)
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)
    if not parsed.entries:
        if parsed.get("bozo") and parsed.get("bozo_exception") is not None and not parsed.get("version"):
            raise InputError("malformed_feed", f"The file is not a readable RSS/Atom feed "
                             f"({str(parsed.bozo_exception)[:200]}).", len(data))
        if not parsed.get("version"):
            raise InputError("malformed_feed", "The XML is not an RSS or Atom feed; only feeds are ingested "
                             "from .xml/.rss/.atom files.", len(data))
        raise InputError("empty", "The feed has no items; nothing to ingest.", len(data))
    feed_link = parsed.feed.get("link") if parsed.get("feed") else None
    for index, entry in enumerate(parsed.entries):
        _record_outcome(out, src, index, lambda entry=entry, index=index: _feed_item(entry, index, src, feed_link))


def _feed_item(entry, index: int, src: Source, feed_link: str | None) -> Document:
    where = f"Feed item {index}"
    bodies = [c.get("value") or "" for c in entry.get("content", []) if isinstance(c, dict)]
    body = max(bodies, key=len, default="") or entry.get("summary") or ""
    body = clean_str(body)
    link = entry.get("link")
    if not body.strip():
        raise InputError("missing_content", f"{where} ({link or 'no link'}) has no content or summary; "
                         "nothing to ingest.")
    payload = body.encode("utf-8")
    if _control_heavy(body, src.limits):
        raise InputError("binary", f"{where}: its content is mostly control characters.", len(payload))
    title = entry.get("title")
    published = entry.get("published") or entry.get("updated")
    return make_document(src, record_index=index, fmt="feed", content_type="html", payload=payload,
                         decoded=Decoded(body, "utf-8"), url=link,
                         title=_squash(title) if isinstance(title, str) and title else None,
                         published=published if isinstance(published, str) else None,
                         fallback_url=feed_link)

"""Writers of small real inputs (WARC via warcio, RSS/Atom, JSONL) and of the hostile corpus."""

from __future__ import annotations

import gzip
import io
import json
import os
import zlib
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

RUSSIAN = (
    "Министерство обороны России заявило в воскресенье, что его войска впервые за три года "
    "наступления вошли в Днепропетровскую область Украины. Москва неоднократно отвергала призывы "
    "к полному и безоговорочному прекращению огня."
)
SPANISH = (
    "El niño español comió paella en la montaña. Según el señor alcalde, la situación económica "
    "mejorará mañana, aunque la oposición pidió más información."
)
ITALIAN = (
    "Il governo italiano ha approvato la legge: è una novità per l'università, perché la città è più "
    "grande e così la riforma entrerà in vigore già a luglio."
)
FRENCH = (
    "À Paris, le ministre a déclaré à la presse qu'il était très déçu. Où va-t-on ? Là-bas, près de la "
    "gare, les élèves étaient nombreux à manifester."
)

HTML_PAGE = (
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>Town taken &amp; held</title>"
    "<meta property=\"article:published_time\" content=\"2025-06-08T10:00:00Z\"></head>"
    "<body><article><p>Russia said Sunday it was pushing into the region.</p></article></body></html>"
)


def warc_bytes(records: list[dict], *, compress: bool = True) -> bytes:
    """A WARC file; each record dict has ``kind`` in response/request/resource/warcinfo."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=compress)
    for spec in records:
        kind = spec["kind"]
        if kind == "warcinfo":
            writer.write_record(writer.create_warcinfo_record("test.warc", {"software": "pytest"}))
        elif kind == "response":
            headers = [("Content-Type", spec.get("content_type", "text/html; charset=utf-8"))]
            http = StatusAndHeaders(spec.get("status", "200 OK"), headers, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                spec["url"], "response", payload=io.BytesIO(spec["body"]), http_headers=http))
        elif kind == "request":
            http = StatusAndHeaders(f"GET {spec['url']} HTTP/1.1", [("Host", "example.com")], is_http_request=True)
            writer.write_record(writer.create_warc_record(spec["url"], "request", payload=io.BytesIO(b""),
                                                          http_headers=http))
        elif kind == "resource":
            writer.write_record(writer.create_warc_record(
                spec["url"], "resource", payload=io.BytesIO(spec["body"]),
                warc_content_type=spec.get("content_type", "text/dns")))
        else:
            raise ValueError(kind)
    return buffer.getvalue()


def html_article(title: str, body: str, charset: str = "utf-8") -> bytes:
    return (f"<html><head><meta charset=\"{charset}\"><title>{title}</title></head>"
            f"<body><p>{body}</p></body></html>").encode(charset)


def rss_bytes(items: list[dict], channel_link: str = "https://www.feedsite.org/") -> bytes:
    parts = []
    for item in items:
        fields = [f"<title>{item['title']}</title>"] if "title" in item else []
        if "link" in item:
            fields.append(f"<link>{item['link']}</link>")
        if "pubDate" in item:
            fields.append(f"<pubDate>{item['pubDate']}</pubDate>")
        if "description" in item:
            fields.append(f"<description><![CDATA[{item['description']}]]></description>")
        if "content" in item:
            fields.append(f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>")
        parts.append("<item>" + "".join(fields) + "</item>")
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" "
            "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>Feed</title>"
            f"<link>{channel_link}</link><description>d</description>{''.join(parts)}</channel></rss>"
            ).encode("utf-8")


def atom_bytes(entries: list[dict]) -> bytes:
    parts = []
    for entry in entries:
        parts.append(
            f"<entry><title>{entry['title']}</title><link href=\"{entry['link']}\"/>"
            f"<id>{entry['link']}</id><updated>{entry['updated']}</updated>"
            f"<content type=\"html\">{entry['content_escaped']}</content></entry>")
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">"
            "<title>A</title><id>urn:a</id><updated>2025-06-08T00:00:00Z</updated>"
            + "".join(parts) + "</feed>").encode("utf-8")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><description>&lol9;</description></item></channel></rss>
"""


def gzip_bomb(path: Path, inflated_bytes: int) -> None:
    """A gzip file inflating to ``inflated_bytes`` of spaces-and-letters, written in bounded memory."""
    chunk = b"a" * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    with open(path, "wb") as handle:
        for _ in range(inflated_bytes // len(chunk)):
            handle.write(compressor.compress(chunk))
        handle.write(compressor.flush())


def write_big_text(path: Path, size: int) -> None:
    line = b"The quick brown fox jumps over the lazy dog and files a wire report.\n"
    block = line * ((1 << 20) // len(line))
    with open(path, "wb") as handle:
        written = 0
        while written < size:
            handle.write(block)
            written += len(block)


def build_hostile_corpus(root: Path, outside: Path, *, big_file_bytes: int = 100 * 10**6) -> dict[str, str]:
    """Write the hostile corpus under ``root``; return {relative path: expected outcome}, where the
    outcome is ``"document"`` or the expected reject reason_code (file-level, record 0)."""
    expected: dict[str, str] = {}

    def put(name: str, data: bytes, outcome: str) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expected[name] = outcome

    put("empty.txt", b"", "empty")
    put("blank.md", b"  \n\t\r\n   \n", "empty")
    put("junk.html", bytes(range(256)) * 40, "binary")
    put("image.html", b"\x89PNG\r\n\x1a\n" + os.urandom(2000), "binary")
    put("latin1 invalid utf8.txt", SPANISH.encode("latin-1"), "document")
    put("utf16-bom.txt", "Жители Межевой эвакуированы. Residents left.".encode("utf-16"), "document")
    put("cp1251-article.html", html_article("Новости", RUSSIAN, "windows-1251"), "document")
    put("naïve café — ünïcödé.txt", "A unicode-named file.".encode(), "document")
    put("new\nline name.txt", b"A file whose name has a newline.", "document")
    put("deep.html", b"<html><body>" + b"<div>" * 10000 + b"deep text" + b"</div>" * 10000 + b"</body></html>",
        "document")
    put("lol.xml", BILLION_LAUGHS, "xml_entities")
    compressed_page = gzip.compress((HTML_PAGE + RUSSIAN + SPANISH + ITALIAN).encode() * 3)
    put("truncated.html.gz", compressed_page[: len(compressed_page) // 2], "corrupt_gzip")
    put("deep.json", b"[" * 200000 + b"]" * 200000, "invalid_json")
    put("notjson.json", b"{\"url\": \"https://a.com/x\", \"text\": ", "invalid_json")
    put("broken.warc", b"this is not a WARC archive at all\r\n" * 20, "malformed_warc")
    put("random.bin", os.urandom(4096), "unsupported_format")
    put("outlet/dir with space/ok.md", b"# Heading\n\nSome text.", "document")

    bomb = root / "bomb.html.gz"
    gzip_bomb(bomb, 64 * (1 << 20))
    expected["bomb.html.gz"] = "decompression_bomb"

    big = root / "huge.txt"
    write_big_text(big, big_file_bytes)
    expected["huge.txt"] = "too_large"

    secret = outside / "secret.txt"
    secret.write_text("outside the inbox")
    os.symlink(secret, root / "escape.txt")
    expected["escape.txt"] = "symlink_outside_inbox"
    os.symlink(root / "missing-target.txt", root / "dangling.txt")
    expected["dangling.txt"] = "broken_symlink"
    os.symlink(root / "outlet", root / "loop-link")
    expected["loop-link"] = "symlink_directory"
    os.mkfifo(root / "pipe.txt")
    expected["pipe.txt"] = "not_a_file"
    bad_name = os.fsencode(str(root)) + b"/bad-\xff\xfe-name.txt"
    with open(bad_name, "wb") as handle:
        handle.write(b"A file whose name is not UTF-8.")
    expected["bad-\\xff\\xfe-name.txt"] = "document"

    # multi-record files: expected outcome is checked record by record in the tests
    lines = [
        json.dumps({"url": "https://www.good.com/a", "title": "Good", "text": "Fine text."}),
        json.dumps({"url": "https://good.com/b", "title": 42, "text": "Title is a number."}),
        json.dumps({"url": "https://good.com/c", "title": "T", "text": ["a", "list"]}),
        "{not json",
    ]
    put("mixed.jsonl", "\n".join(lines).encode(), "multi")
    page = html_article("Kept", "Record before the damage is kept.")
    warc = warc_bytes([{"kind": "warcinfo"},
                       {"kind": "response", "url": "https://kept.com/1", "body": page},
                       {"kind": "response", "url": "https://lost.com/2", "body": page * 20}], compress=True)
    put("truncated.warc.gz", warc[: len(warc) - 200], "multi")
    return expected

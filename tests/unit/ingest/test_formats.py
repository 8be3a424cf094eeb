"""Each input format read right from small files written by the test."""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import SHARED
from wiretrace.ingest import (
    DOCUMENT_SCHEMA, REJECT_SCHEMA, IngestLimits, list_inputs, make_document_id, read_path, scan_inbox,
)

from .builders import HTML_PAGE, RUSSIAN, atom_bytes, html_article, rss_bytes, warc_bytes

SEEDS = SHARED / "seeds"


def one(frame: pl.DataFrame, **where) -> dict:
    rows = frame.filter(*[pl.col(k) == v for k, v in where.items()]).to_dicts()
    assert len(rows) == 1, (where, rows)
    return rows[0]


def test_plain_text_markdown_and_html_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Plain story.\nSecond line.\n")
    (tmp_path / "b.md").write_text("# The headline\n\nBody *text*.\n")
    (tmp_path / "c.htm").write_text(HTML_PAGE)
    result = scan_inbox(tmp_path)
    assert result.rejects.height == 0
    docs = result.documents
    assert docs["source_path"].to_list() == ["a.txt", "b.md", "c.htm"]
    assert docs["format"].to_list() == ["txt", "md", "html"]
    assert docs["content_type"].to_list() == ["text", "markdown", "html"]
    assert one(docs, source_path="b.md")["title_hint"] == "The headline"
    page = one(docs, source_path="c.htm")
    assert page["title_hint"] == "Town taken & held"
    assert page["published_hint"] == "2025-06-08T10:00:00Z"
    assert page["raw_text"] == HTML_PAGE
    for row in docs.to_dicts():
        assert row["content_sha256"] == hashlib.sha256(row["raw_bytes"]).hexdigest()
        assert row["byte_size"] == len(row["raw_bytes"])
        assert row["raw_bytes"].decode(row["encoding"]) == row["raw_text"]
        assert row["record_index"] == 0 and row["source_url"] is None


def test_frames_have_the_table_schemas(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x y")
    (tmp_path / "b.txt").write_text("")
    result = scan_inbox(tmp_path)
    assert dict(result.documents.schema) == DOCUMENT_SCHEMA
    assert dict(result.rejects.schema) == REJECT_SCHEMA
    (tmp_path / "sub").mkdir()
    nothing = scan_inbox(tmp_path / "sub")
    assert nothing.documents.height == 0 and dict(nothing.documents.schema) == DOCUMENT_SCHEMA
    assert dict(nothing.rejects.schema) == REJECT_SCHEMA


def test_missing_inbox_raises_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError, match="not an existing folder"):
        scan_inbox(tmp_path / "nope")


def test_html_gz_is_inflated_and_html_saved_gzipped_under_plain_name(tmp_path: Path) -> None:
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(HTML_PAGE.encode()))
    (tmp_path / "stored.html").write_bytes(gzip.compress(HTML_PAGE.encode()))
    (tmp_path / "notes.txt.gz").write_bytes(gzip.compress(b"compressed notes"))
    docs = scan_inbox(tmp_path).documents
    assert one(docs, source_path="page.html.gz")["raw_text"] == HTML_PAGE
    assert one(docs, source_path="stored.html")["raw_text"] == HTML_PAGE
    notes = one(docs, source_path="notes.txt.gz")
    assert (notes["format"], notes["content_type"], notes["raw_text"]) == ("txt", "text", "compressed notes")
    assert one(docs, source_path="page.html.gz")["outlet"] == "page"


def test_json_object_and_list(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(json.dumps(
        {"url": "https://www.Reuters.com/world/x", "title": " A  title ", "html": "<p>Hi</p>",
         "published": "2025-06-08", "source": "ignored-because-url"}))
    (tmp_path / "many.json").write_text(json.dumps([
        {"title": "t", "text": "from list", "source": "Kyiv Independent"},
        {"title": "no body"},
        {"text": "epoch date", "published": 1749340800},
        "a string, not an object",
    ]))
    result = scan_inbox(tmp_path)
    docs, rejects = result.documents, result.rejects
    single = one(docs, source_path="one.json")
    assert single["outlet"] == "reuters.com" and single["outlet_source"] == "url"
    assert (single["content_type"], single["raw_text"], single["title_hint"]) == ("html", "<p>Hi</p>", "A title")
    assert single["source_url"] == "https://www.Reuters.com/world/x"
    assert single["document_id"] == make_document_id(single["source_url"], 0, single["content_sha256"])
    first = one(docs, source_path="many.json", record_index=0)
    assert (first["outlet"], first["outlet_source"], first["content_type"]) == ("kyiv independent", "json", "text")
    assert first["document_id"] == make_document_id("many.json", 0, first["content_sha256"])
    assert one(docs, source_path="many.json", record_index=2)["published_hint"] == "1749340800"
    assert one(rejects, source_path="many.json", record_index=1)["reason_code"] == "missing_content"
    wrong = one(rejects, source_path="many.json", record_index=3)
    assert wrong["reason_code"] == "wrong_type" and "a string" in wrong["reason"]


def test_jsonl_lines_each_become_a_row(tmp_path: Path) -> None:
    lines = [
        json.dumps({"url": "https://apnews.com/a", "title": "A", "text": "Story A", "published": "2025-06-08T09:00"}),
        "",
        json.dumps({"url": "https://apnews.com/b", "title": 7, "text": "bad title"}),
        json.dumps({"url": "https://apnews.com/c", "text": {"nested": True}}),
        json.dumps({"html": "<p>by source</p>", "source": "www.example.org"}),
        "[1, 2",
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n")
    result = scan_inbox(tmp_path)
    docs, rejects = result.documents, result.rejects
    assert docs["record_index"].to_list() == [0, 4]
    assert one(docs, record_index=0)["published_hint"] == "2025-06-08T09:00"
    assert one(docs, record_index=4)["outlet"] == "example.org"
    reasons = {row["record_index"]: (row["reason_code"], row["reason"]) for row in rejects.to_dicts()}
    assert reasons[2][0] == "wrong_type" and "'title'" in reasons[2][1] and "number" in reasons[2][1]
    assert reasons[3][0] == "wrong_type" and "'text'" in reasons[3][1] and "object" in reasons[3][1]
    assert reasons[5][0] == "invalid_json" and "Line 6" in reasons[5][1]
    assert set(reasons) == {2, 3, 5}


def test_jsonl_gz_and_json_lines_saved_as_json(tmp_path: Path) -> None:
    body = "\n".join(json.dumps({"url": f"https://x.org/{i}", "text": f"t{i}"}) for i in range(3))
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(body.encode()))
    (tmp_path / "b.json").write_text(body.replace('"t', '"b').replace('"bext"', '"text"'))
    docs = scan_inbox(tmp_path).documents
    assert one(docs, source_path="a.jsonl.gz", record_index=2)["raw_text"] == "t2"
    assert docs.filter(pl.col("source_path") == "b.json")["format"].to_list() == ["jsonl"] * 3


def test_jsonl_line_over_the_record_cap_is_rejected_and_the_rest_read(tmp_path: Path) -> None:
    lines = [json.dumps({"text": "small"}), json.dumps({"text": "x" * 5000}), json.dumps({"text": "after"})]
    (tmp_path / "a.jsonl").write_text("\n".join(lines))
    result = scan_inbox(tmp_path, limits=IngestLimits(max_record_bytes=1000))
    assert result.documents["raw_text"].to_list() == ["small", "after"]
    assert one(result.rejects, record_index=1)["reason_code"] == "too_large"


def test_warc_response_records_with_html_become_documents(tmp_path: Path) -> None:
    cyrillic_page = html_article("Новости", RUSSIAN, "windows-1251").replace(b'<meta charset="windows-1251">', b"")
    records = [
        {"kind": "warcinfo"},
        {"kind": "request", "url": "https://www.lenta.ru/news/1"},
        {"kind": "response", "url": "https://www.lenta.ru/news/1", "body": cyrillic_page,
         "content_type": "text/html; charset=windows-1251"},
        {"kind": "resource", "url": "dns:lenta.ru", "body": b"lenta.ru 300 IN A 1.2.3.4"},
        {"kind": "response", "url": "https://lenta.ru/logo.png", "body": b"\x89PNG....", "content_type": "image/png"},
        {"kind": "response", "url": "https://lenta.ru/gone", "body": b"<html>gone</html>", "status": "404 Not Found"},
        {"kind": "response", "url": "https://bbc.co.uk/news/2", "body": HTML_PAGE.encode()},
    ]
    for compress in (True, False):
        inbox = tmp_path / str(compress)
        inbox.mkdir()
        (inbox / ("crawl.warc.gz" if compress else "crawl.warc")).write_bytes(warc_bytes(records, compress=compress))
        result = scan_inbox(inbox)
        assert result.rejects.height == 0
        docs = result.documents
        assert docs["record_index"].to_list() == [2, 6]
        ru = one(docs, record_index=2)
        assert ru["encoding"] == "cp1251" and RUSSIAN in ru["raw_text"] and ru["title_hint"] == "Новости"
        assert ru["raw_bytes"] == cyrillic_page  # HTTP headers stripped
        assert (ru["outlet"], ru["outlet_source"], ru["format"], ru["content_type"]) == ("lenta.ru", "url", "warc", "html")
        assert ru["source_url"] == "https://www.lenta.ru/news/1"
        assert one(docs, record_index=6)["outlet"] == "bbc.co.uk"
        assert result.skipped == {"warc_warcinfo": 1, "warc_request": 1, "warc_non_html": 2, "warc_non_2xx": 1}


def test_truncated_warc_keeps_records_before_the_damage(tmp_path: Path) -> None:
    page = html_article("Kept", "Before the damage.")
    records = [{"kind": "response", "url": f"https://a.com/{i}", "body": page * (i + 1)} for i in range(3)]
    for compress in (True, False):
        data = warc_bytes(records, compress=compress)
        # cuts inside the last record: its header, or its gzip member, starts at the last marker
        # (a fixed share of the file can land on a record boundary: record ids, hence sizes, vary)
        last_start = data.rindex(b"\x1f\x8b\x08" if compress else b"WARC/1.")
        for cut in (len(data) - 40, (last_start + len(data)) // 2):
            inbox = tmp_path / f"{compress}-{cut}"
            inbox.mkdir()
            (inbox / "t.warc.gz").write_bytes(data[:cut])
            result = scan_inbox(inbox)
            assert result.documents.height >= 1
            assert result.documents["record_index"].to_list() == list(range(result.documents.height))
            assert result.rejects["reason_code"].to_list() == ["malformed_warc"]
            assert result.rejects["record_index"].to_list() == [result.documents.height]


def test_corrupted_warc_record_fails_its_digest(tmp_path: Path) -> None:
    page = html_article("Same", "Length but flipped bytes in the middle of this record body.")
    data = bytearray(warc_bytes([{"kind": "response", "url": "https://a.com/1", "body": page},
                                 {"kind": "response", "url": "https://a.com/2", "body": page}], compress=False))
    position = data.index(b"flipped", len(data) // 2)
    data[position:position + 7] = b"FLIPPED"
    (tmp_path / "c.warc").write_bytes(bytes(data))
    result = scan_inbox(tmp_path)
    assert result.documents["record_index"].to_list() == [0]
    reject = one(result.rejects, record_index=1)
    assert reject["reason_code"] == "malformed_warc" and "digest" in reject["reason"]


def test_warc_without_html_is_an_empty_reject_with_skip_counts(tmp_path: Path) -> None:
    (tmp_path / "dns.warc.gz").write_bytes(warc_bytes([{"kind": "warcinfo"}, {"kind": "resource", "url": "dns:a.com", "body": b"a"}]))
    result = scan_inbox(tmp_path)
    reject = one(result.rejects, source_path="dns.warc.gz")
    assert reject["reason_code"] == "empty" and "warc_resource" not in reject["reason"] and "warc_non_html" in reject["reason"]


def test_rss_and_atom_items(tmp_path: Path) -> None:
    (tmp_path / "news.rss").write_bytes(rss_bytes([
        {"title": "First", "link": "https://www.dw.com/en/a", "pubDate": "Sun, 08 Jun 2025 10:00:00 GMT",
         "description": "<p>short</p>", "content": "<p>Full <b>story</b> one.</p>"},
        {"title": "Second", "description": "<p>Only a summary.</p>"},
        {"title": "Empty", "link": "https://dw.com/e"},
    ]))
    (tmp_path / "a.atom").write_bytes(atom_bytes([
        {"title": "Atom item", "link": "https://france24.com/x", "updated": "2025-06-08T11:00:00Z",
         "content_escaped": html.escape("<p>Atom body</p>")}]))
    result = scan_inbox(tmp_path)
    docs, rejects = result.documents, result.rejects
    first = one(docs, source_path="news.rss", record_index=0)
    assert first["raw_text"] == "<p>Full <b>story</b> one.</p>"
    assert (first["outlet"], first["title_hint"], first["published_hint"]) == ("dw.com", "First", "Sun, 08 Jun 2025 10:00:00 GMT")
    assert (first["format"], first["content_type"]) == ("feed", "html")
    second = one(docs, source_path="news.rss", record_index=1)
    assert second["raw_text"] == "<p>Only a summary.</p>"
    assert (second["outlet"], second["outlet_source"]) == ("feedsite.org", "url")  # channel link as fallback
    assert one(rejects, source_path="news.rss", record_index=2)["reason_code"] == "missing_content"
    atom = one(docs, source_path="a.atom")
    assert (atom["raw_text"], atom["outlet"], atom["published_hint"]) == ("<p>Atom body</p>", "france24.com", "2025-06-08T11:00:00Z")


def test_xml_that_is_not_a_feed_and_a_feed_without_items(tmp_path: Path) -> None:
    (tmp_path / "sitemap.xml").write_text('<?xml version="1.0"?><urlset><url><loc>https://a.com</loc></url></urlset>')
    (tmp_path / "none.rss").write_bytes(rss_bytes([]))
    codes = dict(scan_inbox(tmp_path).rejects.select("source_path", "reason_code").iter_rows())
    assert codes == {"sitemap.xml": "malformed_feed", "none.rss": "empty"}


def test_unknown_extensions_are_sniffed(tmp_path: Path) -> None:
    (tmp_path / "page.asp").write_text(HTML_PAGE)
    (tmp_path / "README").write_text("Just some notes about the crawl.")
    (tmp_path / "dump.dat").write_text(json.dumps({"url": "https://a.com/1", "text": "json inside"}))
    (tmp_path / "crawl.bin").write_bytes(warc_bytes([{"kind": "response", "url": "https://a.com/w", "body": HTML_PAGE.encode()}], compress=False))
    (tmp_path / "logo.ico").write_bytes(b"\x00\x00\x01\x00" + bytes(range(256)))
    result = scan_inbox(tmp_path)
    formats = dict(result.documents.select("source_path", "format").iter_rows())
    assert formats == {"page.asp": "html", "README": "txt", "dump.dat": "json", "crawl.bin": "warc"}
    assert one(result.rejects, source_path="logo.ico")["reason_code"] == "unsupported_format"


def test_outlet_from_folder_then_file_stem(tmp_path: Path) -> None:
    (tmp_path / "lemonde.fr" / "2025").mkdir(parents=True)
    (tmp_path / "lemonde.fr" / "2025" / "a.txt").write_text("nested article")
    (tmp_path / "loose.txt").write_text("loose article")
    docs = scan_inbox(tmp_path).documents
    assert one(docs, source_path="lemonde.fr/2025/a.txt")["outlet"] == "lemonde.fr"
    assert one(docs, source_path="lemonde.fr/2025/a.txt")["outlet_source"] == "folder"
    assert (one(docs, source_path="loose.txt")["outlet"], one(docs, source_path="loose.txt")["outlet_source"]) == ("loose", "file")


def test_document_id_is_stable_and_content_sensitive(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("version one")
    first = scan_inbox(tmp_path).documents["document_id"][0]
    assert scan_inbox(tmp_path).documents["document_id"][0] == first
    assert first == make_document_id("a.txt", 0, hashlib.sha256(b"version one").hexdigest())
    (tmp_path / "a.txt").write_text("version two")
    assert scan_inbox(tmp_path).documents["document_id"][0] != first


def test_exact_repeat_of_a_url_record_is_a_duplicate_reject(tmp_path: Path) -> None:
    line = json.dumps({"url": "https://a.com/1", "text": "same"})
    (tmp_path / "x.jsonl").write_text(line)
    (tmp_path / "y.jsonl").write_text(line)
    result = scan_inbox(tmp_path)
    assert result.documents["source_path"].to_list() == ["x.jsonl"]
    dup = one(result.rejects, source_path="y.jsonl")
    assert dup["reason_code"] == "duplicate" and result.documents["document_id"][0] in dup["reason"]


def test_read_path_reads_one_file_and_vanished_files_are_rejects(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("streamed")
    (tmp_path / "b.txt").write_text("soon gone")
    paths, listing_rejects = list_inputs(tmp_path)
    assert [Path(p).name for p in paths] == ["a.txt", "b.txt"] and listing_rejects == []
    (tmp_path / "b.txt").unlink()
    first, second = (read_path(p, tmp_path) for p in paths)
    assert [d.raw_text for d in first.documents] == ["streamed"]
    assert [r.reason_code for r in second.rejects] == ["vanished"] and not second.documents
    assert read_path("a.txt", tmp_path).documents[0].source_path == "a.txt"


def test_seeds_read_as_five_text_documents(tmp_path: Path) -> None:
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, tmp_path / seed.name)
    result = scan_inbox(tmp_path)
    assert result.rejects.height == 0
    docs = result.documents
    assert docs.height == 5
    assert set(docs["content_type"]) == {"text"} and set(docs["encoding"]) == {"utf-8"}
    for row in docs.to_dicts():
        assert row["raw_bytes"] == (SEEDS / row["source_path"]).read_bytes()
    assert docs["document_id"].n_unique() == 5
    assert "Dnipropetrovsk" in docs["raw_text"][0]


def test_seed_folder_with_answer_key_accounts_for_every_file() -> None:
    result = scan_inbox(SEEDS)
    assert result.documents.height == 5
    assert result.rejects.select("source_path", "reason_code").rows() == [("expected.json", "missing_content")]


def test_two_workers_give_the_same_result(tmp_path: Path) -> None:
    for i in range(6):
        (tmp_path / f"{i}.txt").write_text(f"article {i}")
    (tmp_path / "bad.html").write_bytes(b"\x00" * 100)
    serial = scan_inbox(tmp_path, workers=1)
    parallel = scan_inbox(tmp_path, workers=2)
    assert serial.documents.equals(parallel.documents)
    assert serial.rejects.equals(parallel.rejects)

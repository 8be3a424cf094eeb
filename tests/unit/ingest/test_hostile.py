"""Hostile inputs: each ends as a document or a reject with a reason, nothing raises, memory stays bounded."""

from __future__ import annotations

import gzip
import json
import os
import string
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wiretrace.ingest import REASON_CODES, IngestLimits, list_inputs, scan_inbox

from .builders import HTML_PAGE, RUSSIAN, build_hostile_corpus, gzip_bomb

REPO = Path(__file__).resolve().parents[3]
PEAK_RSS_BOUND_MB = 400


def relative_listing(inbox: Path) -> set[str]:
    paths, rejects = list_inputs(inbox)
    from wiretrace.ingest.scan import _relative

    return {_relative(p, os.path.abspath(inbox)) for p in paths} | {r.source_path for r in rejects}


def assert_accounted(inbox: Path, result) -> None:
    """Every listed input is in documents or rejects, and nothing else is; no bug-rejects; ids unique."""
    listed = relative_listing(inbox)
    landed = set(result.documents["source_path"]) | set(result.rejects["source_path"])
    assert landed == listed
    assert "internal_error" not in set(result.rejects["reason_code"]), result.rejects.filter(
        pl.col("reason_code") == "internal_error")["reason"].to_list()
    assert set(result.rejects["reason_code"]) <= set(REASON_CODES)
    assert result.documents["document_id"].is_unique().all()
    assert result.rejects["reject_id"].is_unique().all()
    keys = pl.concat([result.documents.select("source_path", "record_index"),
                      result.rejects.select("source_path", "record_index")])
    assert keys.is_unique().all(), "a record landed in both tables or twice"


@pytest.fixture
def hostile(tmp_path: Path):
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    inbox.mkdir()
    outside.mkdir()
    expected = build_hostile_corpus(inbox, outside, big_file_bytes=25 * 10**6)
    return inbox, expected


def test_hostile_corpus_every_input_ends_as_a_document_or_a_reject(hostile) -> None:
    inbox, expected = hostile
    result = scan_inbox(inbox)
    assert_accounted(inbox, result)
    docs, rejects = result.documents, result.rejects
    assert set(docs["source_path"]) | set(rejects["source_path"]) == set(expected)
    for name, outcome in expected.items():
        if outcome == "document":
            assert docs.filter(pl.col("source_path") == name).height == 1, name
            assert rejects.filter(pl.col("source_path") == name).height == 0, name
        elif outcome != "multi":
            rows = rejects.filter(pl.col("source_path") == name).to_dicts()
            assert [(r["record_index"], r["reason_code"]) for r in rows] == [(0, outcome)], name
            assert docs.filter(pl.col("source_path") == name).height == 0, name
    for reason in rejects["reason"]:
        assert len(reason) > 30 and reason.rstrip().endswith("."), reason

    jsonl = rejects.filter(pl.col("source_path") == "mixed.jsonl")
    assert dict(jsonl.select("record_index", "reason_code").iter_rows()) == {
        1: "wrong_type", 2: "wrong_type", 3: "invalid_json"}
    assert "'title'" in jsonl["reason"][0] and "'text'" in jsonl["reason"][1]
    assert docs.filter(pl.col("source_path") == "mixed.jsonl")["record_index"].to_list() == [0]
    warc = docs.filter(pl.col("source_path") == "truncated.warc.gz")
    assert warc["source_url"].to_list() == ["https://kept.com/1"]
    assert rejects.filter(pl.col("source_path") == "truncated.warc.gz")["reason_code"].to_list() == ["malformed_warc"]

    by_path = {row["source_path"]: row for row in docs.to_dicts()}
    assert "deep text" in by_path["deep.html"]["raw_text"]
    assert RUSSIAN in by_path["cp1251-article.html"]["raw_text"]
    assert by_path["utf16-bom.txt"]["raw_text"].startswith("Жители Межевой")
    assert by_path["latin1 invalid utf8.txt"]["raw_text"].startswith("El niño español")
    assert by_path["new\nline name.txt"]["outlet"] == "new\nline name"
    assert "bad-\\xff\\xfe-name.txt" in by_path
    huge = rejects.filter(pl.col("source_path") == "huge.txt").row(0, named=True)
    assert huge["byte_size"] >= 25 * 10**6 and huge["content_sha256"] is None


def test_oversized_file_is_refused_from_its_size_without_reading(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "big.txt").write_bytes(b"word " * 1000)
    reads: list[int] = []
    import wiretrace.ingest.scan as scan_module

    original = scan_module.read_capped
    monkeypatch.setattr(scan_module, "read_capped", lambda *a, **k: reads.append(1) or original(*a, **k))
    result = scan_inbox(tmp_path, limits=IngestLimits(max_file_bytes=1000))
    assert result.rejects["reason_code"].to_list() == ["too_large"] and reads == []
    assert "5,000 bytes" in result.rejects["reason"][0]


def test_gzip_bomb_and_oversized_gzip_are_told_apart(tmp_path: Path) -> None:
    gzip_bomb(tmp_path / "bomb.txt.gz", 8 * (1 << 20))
    (tmp_path / "big.txt.gz").write_bytes(gzip.compress(b"plain words " * 20000))
    limits = IngestLimits(max_record_bytes=100_000, max_decompressed_bytes=4 * (1 << 20))
    codes = dict(scan_inbox(tmp_path, limits=limits).rejects.select("source_path", "reason_code").iter_rows())
    assert codes == {"bomb.txt.gz": "decompression_bomb", "big.txt.gz": "too_large"}


def test_jsonl_gz_bomb_keeps_lines_before_it(tmp_path: Path) -> None:
    good = "\n".join(json.dumps({"text": f"line {i}"}) for i in range(3)) + "\n"
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(good.encode() + b" " * (3 << 20)))
    result = scan_inbox(tmp_path, limits=IngestLimits(max_decompressed_bytes=1 << 20))
    assert result.documents["raw_text"].to_list() == ["line 0", "line 1", "line 2"]
    assert result.rejects["reason_code"].to_list() == ["decompression_bomb"]


def test_symlink_inside_the_inbox_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.html").write_text(HTML_PAGE)
    os.symlink(tmp_path / "real.html", tmp_path / "alias.html")
    docs = scan_inbox(tmp_path).documents
    assert docs["source_path"].to_list() == ["alias.html", "real.html"]
    assert docs["raw_text"].to_list() == [HTML_PAGE, HTML_PAGE]


def test_a_file_vanishing_during_the_scan_is_a_reject(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "stays.txt").write_text("here")
    import wiretrace.ingest.scan as scan_module

    real_list = scan_module.list_inputs
    monkeypatch.setattr(scan_module, "list_inputs",
                        lambda inbox: (real_list(inbox)[0] + [str(tmp_path / "gone.txt")], []))
    result = scan_inbox(tmp_path)
    assert result.documents["source_path"].to_list() == ["stays.txt"]
    assert result.rejects.select("source_path", "reason_code").rows() == [("gone.txt", "vanished")]


# ---------------------------------------------------------------- property: random bytes and names
_NAME_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00")
_EXTENSIONS = ["", ".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".warc", ".warc.gz", ".xml", ".rss",
               ".html.gz", ".txt.gz", ".jsonl.gz", ".bin"]


@st.composite
def inbox_files(draw):
    count = draw(st.integers(min_value=1, max_value=6))
    files = {}
    for index in range(count):
        stem = draw(st.text(_NAME_CHARS, min_size=1, max_size=20)).strip(".") or "x"
        name = f"{index}-{stem}{draw(st.sampled_from(_EXTENSIONS))}"
        if len(name.encode()) > 200:
            name = f"{index}.txt"
        kind = draw(st.sampled_from(["bytes", "text", "gzip", "json", "html"]))
        if kind == "bytes":
            data = draw(st.binary(max_size=2000))
        elif kind == "text":
            data = draw(st.text(max_size=500)).encode(draw(st.sampled_from(["utf-8", "utf-16", "cp1251", "latin-1"])),
                                                     errors="ignore")
        elif kind == "gzip":
            data = gzip.compress(draw(st.binary(max_size=1000)))
            data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
        elif kind == "json":
            value = draw(st.recursive(st.none() | st.booleans() | st.integers() | st.text(string.printable, max_size=30),
                                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                                          st.sampled_from(["url", "title", "text", "html", "published", "source"]),
                                          inner, max_size=6), max_leaves=10))
            data = json.dumps(value).encode()
        else:
            data = f"<html><title>{draw(st.text(max_size=40))}</title><body>{draw(st.text(max_size=200))}</body>".encode(
                "utf-8", "surrogatepass")
        files[name] = data
    return files


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=inbox_files())
def test_property_scan_never_raises_and_accounts_for_every_input(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        inbox = Path(directory)
        for name, data in files.items():
            (inbox / name).write_bytes(data)
        result = scan_inbox(inbox)
        assert_accounted(inbox, result)
        assert result.inputs == len(files)
        for row in result.documents.iter_rows(named=True):
            assert row["raw_text"].strip()
            assert len(row["raw_bytes"]) == row["byte_size"]
            if row["format"] in ("txt", "md", "html"):
                assert row["raw_bytes"].decode(row["encoding"], errors="replace") == row["raw_text"]


# ---------------------------------------------------------------- memory and totals, in a fresh process
# Peak RSS is VmHWM of the child's own address space: ru_maxrss would include the forked pytest parent
# (Linux carries the pre-exec high-water mark over into the child's rusage).
_MEASURE = textwrap.dedent("""
    import json, re, sys, time
    from wiretrace.ingest import scan_inbox

    def peak_rss_mb():
        status = open("/proc/self/status").read()
        return int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) / 1024

    start = time.perf_counter()
    result = scan_inbox(sys.argv[1])
    print(json.dumps({"seconds": time.perf_counter() - start,
                      "peak_rss_mb": peak_rss_mb(),
                      "inputs": result.inputs, "documents": result.documents.height,
                      "rejects": result.rejects.height,
                      "internal_errors": result.rejects.filter(
                          result.rejects["reason_code"] == "internal_error").height,
                      "paths": sorted(set(result.documents["source_path"]) | set(result.rejects["source_path"]))}))
""")


@pytest.mark.slow
def test_peak_memory_of_scanning_the_hostile_corpus_with_a_100mb_file(tmp_path: Path) -> None:
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    inbox.mkdir()
    outside.mkdir()
    expected = build_hostile_corpus(inbox, outside, big_file_bytes=100 * 10**6)
    run = subprocess.run([sys.executable, "-c", _MEASURE, str(inbox)], capture_output=True, text=True,
                         cwd=REPO, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr
    figures = json.loads(run.stdout)
    lost = set(expected) - set(figures["paths"])
    print(f"\nhostile corpus: inputs={figures['inputs']} documents={figures['documents']} "
          f"rejects={figures['rejects']} crashed=0 lost={len(lost)} internal_errors={figures['internal_errors']} "
          f"peak_rss={figures['peak_rss_mb']:.0f} MB scan={figures['seconds']:.2f}s")
    assert figures["inputs"] == len(expected) and not lost and figures["internal_errors"] == 0
    assert figures["peak_rss_mb"] < PEAK_RSS_BOUND_MB

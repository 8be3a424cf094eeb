"""The raw DDL loads idempotently with a comment on every column, and the GX suites pass on real scan
output stored in DuckDB and fail when the stored data breaks the contract."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from wiretrace.ingest import scan_inbox

from .builders import HTML_PAGE, RUSSIAN

REPO = Path(__file__).resolve().parents[3]
DDL = REPO / "sql" / "ddl" / "10_raw.sql"
PARTITION = "2025-06-08"


@pytest.fixture
def warehouse(tmp_path: Path):
    inbox = tmp_path / "inbox"
    (inbox / "rt.com").mkdir(parents=True)
    (inbox / "rt.com" / "a.txt").write_bytes(RUSSIAN.encode("cp1251"))
    (inbox / "b.html").write_text(HTML_PAGE)
    (inbox / "c.jsonl").write_text(json.dumps({"url": "https://x.org/1", "text": "t"}) + "\n" + json.dumps({"title": 1}))
    (inbox / "empty.txt").write_bytes(b"")
    result = scan_inbox(inbox)
    con = duckdb.connect(":memory:")
    con.execute(DDL.read_text())
    con.execute(DDL.read_text())  # idempotent
    for table, frame in (("documents", result.documents), ("rejects", result.rejects)):
        con.register("frame", frame.to_arrow())
        con.execute(f"INSERT INTO raw.{table} SELECT *, DATE '{PARTITION}', 'test-run' FROM frame")
        con.unregister("frame")
    return con


def test_every_raw_table_and_column_has_a_comment(warehouse) -> None:
    tables = warehouse.execute("SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'raw'").fetchall()
    assert {name for name, _ in tables} == {"documents", "rejects"} and all(comment for _, comment in tables)
    missing = warehouse.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'raw' AND comment IS NULL").fetchall()
    assert missing == []
    last_two = warehouse.execute(
        "SELECT table_name, list(column_name ORDER BY column_index)[-2:] FROM duckdb_columns() "
        "WHERE schema_name = 'raw' GROUP BY ALL").fetchall()
    assert all(columns == ["ingest_date", "run_id"] for _, columns in last_two)


def test_frame_columns_match_the_ddl(warehouse) -> None:
    from wiretrace.ingest import DOCUMENT_SCHEMA, REJECT_SCHEMA

    for table, schema in (("documents", DOCUMENT_SCHEMA), ("rejects", REJECT_SCHEMA)):
        columns = [row[0] for row in warehouse.execute(
            f"SELECT column_name FROM duckdb_columns() WHERE schema_name='raw' AND table_name='{table}' "
            "ORDER BY column_index").fetchall()]
        assert columns == [*schema, "ingest_date", "run_id"]


def _run_suite(con, table: str):
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    from wiretrace.quality import load_suite, suite_frame, validate_frame

    suite = load_suite(REPO / "expectations" / f"{table}.json")
    return validate_frame(suite, suite_frame(con, suite, PARTITION))


def test_suites_pass_on_real_output_and_catch_broken_data(warehouse) -> None:
    for table in ("raw.documents", "raw.rejects"):
        outcome = _run_suite(warehouse, table)
        assert outcome.rows > 0
        assert outcome.critical_passed, outcome.failures

    # bytes altered in storage, and a record that also landed in rejects
    warehouse.execute("UPDATE raw.documents SET raw_bytes = raw_bytes || '\\x00'::BLOB WHERE source_path = 'b.html'")
    warehouse.execute(
        "INSERT INTO raw.rejects SELECT 'ffffffffffffffff', 'b.html', 0, 'bogus_code', 'x', NULL, 'nothex', "
        f"DATE '{PARTITION}', 'test-run'")
    failed_documents = {f["kwargs"].get("column") for f in _run_suite(warehouse, "raw.documents").failures
                        if f["severity"] == "critical"}
    assert {"size_matches", "hash_matches", "rejects_for_same_record"} <= failed_documents
    failed_rejects = {f["kwargs"].get("column") for f in _run_suite(warehouse, "raw.rejects").failures
                      if f["severity"] == "critical"}
    assert {"reason_code", "reason", "content_sha256"} <= failed_rejects

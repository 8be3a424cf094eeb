"""A warehouse written by an earlier version is migrated in place by ensure_schema, and the nightly job
then runs on it. The old warehouse is built from tests/fixtures/warehouse_v0/*.sql (older DDL + a night)."""

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLE, run_nightly
from wiretrace import warehouse

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "warehouse_v0"
OLD_NIGHT = "2025-06-01"
COLUMNS_SQL = """SELECT table_schema || '.' || table_name, column_name, data_type FROM information_schema.columns
                 WHERE table_catalog = current_database()"""


def build_v0(path: Path) -> Path:
    con = duckdb.connect(str(path))
    try:
        for name in ("schema_v0.sql", "data_v0.sql"):
            con.execute((FIXTURE / name).read_text(encoding="utf-8"))
    finally:
        con.close()
    return path


def snapshot_rows(con, table: str, columns: str) -> list[tuple]:
    return con.execute(f"SELECT {columns} FROM {table} ORDER BY ALL").fetchall()  # constant names, test only


def test_an_old_warehouse_is_migrated_in_place(tmp_path) -> None:
    path = build_v0(tmp_path / "warehouse.duckdb")
    old = duckdb.connect(str(path))
    old_docs = snapshot_rows(old, "raw.documents", "document_id, source_path, outlet, raw_text, ingest_date, run_id")
    old_rejects = snapshot_rows(old, "raw.rejects", "reject_id, reason_code, reason, byte_size")
    old.close()

    con = warehouse.connect(path)
    try:
        applied = warehouse.ensure_schema(con)
        assert applied == [p.stem for p in warehouse.migration_files()]
        assert "0002_raw_outlet_size_hints" in applied
        assert warehouse.ensure_schema(con) == []  # recorded: never applied twice
        # Data kept, new columns backfilled from it.
        assert snapshot_rows(con, "raw.documents",
                             "document_id, source_path, outlet, raw_text, ingest_date, run_id") == old_docs
        assert snapshot_rows(con, "raw.rejects", "reject_id, reason_code, reason, byte_size") == old_rejects
        assert con.execute("SELECT source_path, outlet_source, byte_size, title_hint FROM raw.documents "
                           "ORDER BY source_path").fetchall() == [
            ("feed.jsonl", "url", len("Markets closed higher."), None),
            ("kyiv-wire.txt", "file", len("Officials said the bridge reopened on Sunday."), None)]
        assert con.execute("SELECT package_versions, config_hash FROM meta.runs").fetchall() == [
            ("{}", "unknown: recorded before 0002")]
        migrated = set(con.execute(COLUMNS_SQL).fetchall())
    finally:
        con.close()

    fresh_con = warehouse.connect(tmp_path / "fresh.duckdb")
    try:
        warehouse.ensure_schema(fresh_con)
        fresh = set(fresh_con.execute(COLUMNS_SQL).fetchall())
    finally:
        fresh_con.close()
    # Same tables, columns and types as a warehouse created by this version.
    assert migrated == fresh


def test_a_failing_migration_leaves_the_old_warehouse_untouched(tmp_path, monkeypatch) -> None:
    path = build_v0(tmp_path / "warehouse.duckdb")
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    for p in warehouse.migration_files():
        shutil.copy(p, migrations / p.name)
    (migrations / "9999_broken.sql").write_text("ALTER TABLE raw.documents ADD COLUMN oops NO_SUCH_TYPE;")
    monkeypatch.setattr(warehouse, "migration_files", lambda: sorted(migrations.glob("*.sql")))
    con = warehouse.connect(path)
    try:
        with pytest.raises(duckdb.Error):
            warehouse.ensure_schema(con)
        columns = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'documents'").fetchall()}
        assert "outlet_source" not in columns  # 0002 rolled back with the rest: one transaction
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_migrations'"
                           ).fetchone()[0] == 0
    finally:
        con.close()


@pytest.mark.slow
def test_the_nightly_job_runs_on_a_migrated_warehouse(tmp_path) -> None:
    path = build_v0(tmp_path / "warehouse.duckdb")
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE, inbox)
    result = run_nightly(path, inbox, "2025-06-10")
    assert result.success
    con = duckdb.connect(str(path), read_only=True)
    try:
        per_night = dict(con.execute("SELECT ingest_date::VARCHAR, count(*) FROM raw.documents GROUP BY ALL").fetchall())
        assert per_night == {OLD_NIGHT: 2, "2025-06-10": 5}
        assert con.execute("SELECT count(*) FROM clean.articles WHERE ingest_date = '2025-06-10'").fetchone()[0] == 5
        assert con.execute("SELECT count(*) FROM raw.documents WHERE outlet_source IS NULL OR byte_size IS NULL"
                           ).fetchone()[0] == 0
    finally:
        con.close()


def _warehouse_before(tmp_path, version: str, table: str, column: str, row_sql: str):
    """A warehouse as it was before migration ``version``: ``table`` without ``column``, holding a row."""
    con = warehouse.connect(tmp_path / "warehouse.duckdb")
    warehouse.ensure_schema(con)
    con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # test constants, not data
    con.execute("DELETE FROM meta.schema_migrations WHERE version = ?", [version])
    con.execute(row_sql)
    return con


def test_claims_quotes_without_speaker_key_gets_the_column(tmp_path) -> None:
    con = _warehouse_before(
        tmp_path, "0003_claims_speaker_key", "claims.quotes", "speaker_key",
        """INSERT INTO claims.quotes BY NAME SELECT 'a:q1' AS quote_id, 'a' AS article_id, 'a:s1' AS sentence_id,
           'We will hold.' AS quote_text, 1 AS char_start, 14 AS char_end, 'direct' AS kind,
           'unresolved' AS speaker_resolution, 0.5 AS confidence, DATE '2025-06-01' AS ingest_date""")
    try:
        assert warehouse.ensure_schema(con) == ["0003_claims_speaker_key"]
        assert con.execute("SELECT quote_text, speaker_key FROM claims.quotes").fetchall() == [("We will hold.", None)]
    finally:
        con.close()


def test_stories_fingerprints_without_shingles_get_the_column(tmp_path) -> None:
    con = _warehouse_before(
        tmp_path, "0004_stories_fingerprint_shingles", "stories.fingerprints", "shingles",
        """INSERT INTO stories.fingerprints BY NAME SELECT 'a' AS article_id, 'cg_a' AS copy_group_id,
           'st_a' AS story_id, DATE '2025-06-01' AS published_date, 3 AS n_shingles, 'h' AS body_hash,
           [1, 2]::UINTEGER[] AS minhash, DATE '2025-06-01' AS ingest_date""")
    try:
        assert warehouse.ensure_schema(con) == ["0004_stories_fingerprint_shingles"]
        # NULL, not an empty list: the copy stage shingles the body again for these rows
        assert con.execute("SELECT article_id, shingles FROM stories.fingerprints").fetchall() == [("a", None)]
    finally:
        con.close()


def test_claims_quotes_without_extracted_speaker_name_get_the_column(tmp_path) -> None:
    con = _warehouse_before(
        tmp_path, "0005_claims_quotes_extracted_speaker", "claims.quotes", "extracted_speaker_name",
        """INSERT INTO claims.quotes BY NAME SELECT 'a:q1' AS quote_id, 'a' AS article_id, 'a:s1' AS sentence_id,
           'We will hold.' AS quote_text, 1 AS char_start, 14 AS char_end, 'direct' AS kind,
           'Jane Doe' AS speaker_name, 'explicit' AS speaker_resolution, 0.9 AS confidence,
           DATE '2025-06-01' AS ingest_date""")
    try:
        assert warehouse.ensure_schema(con) == ["0005_claims_quotes_extracted_speaker"]
        # NULL beside a speaker name: the claims stage extracts this article again instead of reusing it
        assert con.execute("SELECT speaker_name, extracted_speaker_name FROM claims.quotes").fetchall() == [
            ("Jane Doe", None)]
    finally:
        con.close()


def test_stories_doc_terms_without_pairs_threshold_get_the_column(tmp_path) -> None:
    con = _warehouse_before(
        tmp_path, "0006_stories_group_pairs", "stories.doc_terms", "pairs_threshold",
        """INSERT INTO stories.doc_terms BY NAME SELECT 'cg_a' AS copy_group_id, 'a' AS article_id,
           'st_a' AS story_id, DATE '2025-06-01' AS published_date, [1, 2]::UINTEGER[] AS term_ids,
           [0.5, 1.0]::FLOAT[] AS term_weights, DATE '2025-06-01' AS ingest_date""")
    try:
        assert warehouse.ensure_schema(con) == ["0006_stories_group_pairs"]
        # NULL: no pairs were kept for this group, so the story pass pairs it again every night
        assert con.execute("SELECT copy_group_id, pairs_threshold FROM stories.doc_terms").fetchall() == [("cg_a", None)]
        assert con.execute("SELECT count(*) FROM stories.group_pairs").fetchone()[0] == 0
    finally:
        con.close()

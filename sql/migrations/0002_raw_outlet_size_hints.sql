-- 0002: columns added after the first deployed version (v0, tests/fixtures/warehouse_v0/schema_v0.sql).
-- raw.documents gained outlet_source, byte_size, title_hint and published_hint; raw.rejects
-- content_sha256; meta.runs package_versions and config_hash. Rows written before keep their data and
-- get the best value that can be derived from it, or NULL where it cannot (hints, hashes never taken).
-- Statements are idempotent (IF EXISTS / IF NOT EXISTS, backfills only where NULL): the migration runs
-- once, inside the same transaction as the DDL that follows it (wiretrace.warehouse.ensure_schema).
-- Added columns land after ingest_date/run_id; every write is INSERT BY NAME, so the order is harmless.

ALTER TABLE IF EXISTS raw.documents ADD COLUMN IF NOT EXISTS outlet_source VARCHAR;
ALTER TABLE IF EXISTS raw.documents ADD COLUMN IF NOT EXISTS byte_size BIGINT;
ALTER TABLE IF EXISTS raw.documents ADD COLUMN IF NOT EXISTS title_hint VARCHAR;
ALTER TABLE IF EXISTS raw.documents ADD COLUMN IF NOT EXISTS published_hint VARCHAR;
-- v0 took the outlet from the URL host when there was one, else from the file name.
UPDATE raw.documents SET outlet_source = CASE WHEN source_url IS NOT NULL THEN 'url' ELSE 'file' END
WHERE outlet_source IS NULL;
UPDATE raw.documents SET byte_size = octet_length(raw_bytes) WHERE byte_size IS NULL;

ALTER TABLE IF EXISTS raw.rejects ADD COLUMN IF NOT EXISTS content_sha256 VARCHAR;

ALTER TABLE IF EXISTS meta.runs ADD COLUMN IF NOT EXISTS package_versions JSON;
ALTER TABLE IF EXISTS meta.runs ADD COLUMN IF NOT EXISTS config_hash VARCHAR;
UPDATE meta.runs SET package_versions = '{}' WHERE package_versions IS NULL;
UPDATE meta.runs SET config_hash = 'unknown: recorded before 0002' WHERE config_hash IS NULL;

-- meta: bookkeeping of the pipeline itself — schema version, runs (provenance) and quality gates.
CREATE SCHEMA IF NOT EXISTS meta;

CREATE TABLE IF NOT EXISTS meta.schema_migrations (
    version    VARCHAR PRIMARY KEY,
    applied_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE meta.schema_migrations IS 'Migration files from sql/migrations/ already applied to this warehouse.';
COMMENT ON COLUMN meta.schema_migrations.version IS 'File stem of the migration, e.g. 0001_add_language.';
COMMENT ON COLUMN meta.schema_migrations.applied_at IS 'When the migration ran.';

CREATE TABLE IF NOT EXISTS meta.runs (
    run_id            VARCHAR NOT NULL,
    asset_key         VARCHAR NOT NULL,
    partition_date    DATE,
    job_name          VARCHAR,
    started_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP,
    status            VARCHAR NOT NULL,
    wiretrace_version VARCHAR NOT NULL,
    package_versions  JSON NOT NULL,
    config            JSON NOT NULL,
    config_hash       VARCHAR NOT NULL,
    row_counts        JSON,
    PRIMARY KEY (run_id, asset_key)
);
COMMENT ON TABLE meta.runs IS 'Provenance: one row per Dagster run and asset step. Every derived table carries run_id; join here to see which night, code version and settings produced a row.';
COMMENT ON COLUMN meta.runs.run_id IS 'Dagster run id (the UI shows it under Runs).';
COMMENT ON COLUMN meta.runs.asset_key IS 'Asset the step materialised, e.g. clean/articles.';
COMMENT ON COLUMN meta.runs.partition_date IS 'The night (ingest date partition) the step processed.';
COMMENT ON COLUMN meta.runs.job_name IS 'Dagster job that ran the step.';
COMMENT ON COLUMN meta.runs.started_at IS 'Step start (UTC).';
COMMENT ON COLUMN meta.runs.finished_at IS 'Step end (UTC); null while running or after a crash.';
COMMENT ON COLUMN meta.runs.status IS 'started | succeeded | failed.';
COMMENT ON COLUMN meta.runs.wiretrace_version IS 'Version of the wiretrace package.';
COMMENT ON COLUMN meta.runs.package_versions IS 'Versions of the libraries that shape results (trafilatura, duckdb, polars, ...).';
COMMENT ON COLUMN meta.runs.config IS 'Settings the step ran with (extractor options, thresholds).';
COMMENT ON COLUMN meta.runs.config_hash IS 'sha256 of config: equal hashes mean equal settings.';
COMMENT ON COLUMN meta.runs.row_counts IS 'Rows written per table by the step.';

CREATE TABLE IF NOT EXISTS meta.check_results (
    run_id          VARCHAR NOT NULL,
    check_name      VARCHAR NOT NULL,
    asset_key       VARCHAR NOT NULL,
    suite_table     VARCHAR NOT NULL,
    partition_date  DATE NOT NULL,
    checked_at      TIMESTAMP NOT NULL,
    critical_passed BOOLEAN NOT NULL,
    warning_passed  BOOLEAN NOT NULL,
    evaluated       INTEGER NOT NULL,
    failed          JSON NOT NULL
);
COMMENT ON TABLE meta.check_results IS 'Great Expectations gate outcomes per suite and night. A downstream asset refuses to build on a partition whose latest upstream result has critical_passed = false, even in a later run.';
COMMENT ON COLUMN meta.check_results.run_id IS 'Dagster run that ran the check.';
COMMENT ON COLUMN meta.check_results.check_name IS 'Asset check name, e.g. clean_articles_suite.';
COMMENT ON COLUMN meta.check_results.asset_key IS 'Asset the check gates.';
COMMENT ON COLUMN meta.check_results.suite_table IS 'Table the suite validates (expectations/<table>.json).';
COMMENT ON COLUMN meta.check_results.partition_date IS 'Night checked.';
COMMENT ON COLUMN meta.check_results.checked_at IS 'When the check ran (UTC).';
COMMENT ON COLUMN meta.check_results.critical_passed IS 'All expectations marked critical passed.';
COMMENT ON COLUMN meta.check_results.warning_passed IS 'All expectations marked warning passed.';
COMMENT ON COLUMN meta.check_results.evaluated IS 'Number of expectations evaluated.';
COMMENT ON COLUMN meta.check_results.failed IS 'Failed expectations: type, column, severity, unexpected count and sample ids.';

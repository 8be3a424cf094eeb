-- Reports stage state: what the story pages are built from besides the warehouse's stories and claims.
CREATE SCHEMA IF NOT EXISTS reports;

CREATE TABLE IF NOT EXISTS reports.copy_diffs (
    article_id VARCHAR NOT NULL,
    representative_article_id VARCHAR NOT NULL,
    diff_key VARCHAR NOT NULL,
    inserted INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    rows_html VARCHAR NOT NULL,
    ingest_date DATE NOT NULL,
    run_id VARCHAR
);
COMMENT ON TABLE reports.copy_diffs IS 'Stage state: the side-by-side diff of each copy against its copy group''s representative, as the story pages show it, one row per copy (the latest). A story the night extends is rendered whole again; its earlier copies'' diffs are taken from here while diff_key still matches, instead of being diffed and rendered again.';
COMMENT ON COLUMN reports.copy_diffs.article_id IS 'The copy (clean.articles.article_id).';
COMMENT ON COLUMN reports.copy_diffs.representative_article_id IS 'The representative it was diffed against (stories.copy_groups.representative_article_id).';
COMMENT ON COLUMN reports.copy_diffs.diff_key IS 'xxh3-128 of the code that diffs and renders (wiretrace/report/diff.py, markup.py), the representative''s body and the copy''s body: the row stands for the diff of exactly those texts by exactly that code.';
COMMENT ON COLUMN reports.copy_diffs.inserted IS 'Sentences only in the copy.';
COMMENT ON COLUMN reports.copy_diffs.removed IS 'Sentences only in the representative.';
COMMENT ON COLUMN reports.copy_diffs.changed IS 'Sentence pairs with word edits.';
COMMENT ON COLUMN reports.copy_diffs.rows_html IS 'The <tr> rows of the page''s diff table, escaped HTML; empty for an identical copy (the page shows no table).';
COMMENT ON COLUMN reports.copy_diffs.ingest_date IS 'Partition: the night that wrote this row.';
COMMENT ON COLUMN reports.copy_diffs.run_id IS 'Dagster run that wrote this row.';

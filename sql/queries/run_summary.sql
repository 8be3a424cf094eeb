-- What `make run` prints: rows per table for the night and in the whole warehouse.
SELECT 'raw.documents' AS table_name, count(*) FILTER (WHERE ingest_date = $night), count(*) FROM raw.documents
UNION ALL SELECT 'raw.rejects', count(*) FILTER (WHERE ingest_date = $night), count(*) FROM raw.rejects
UNION ALL SELECT 'clean.articles', count(*) FILTER (WHERE ingest_date = $night), count(*) FROM clean.articles
UNION ALL SELECT 'clean.removed_lines', count(*) FILTER (WHERE ingest_date = $night), count(*) FROM clean.removed_lines
UNION ALL SELECT 'stories.copy_groups', count(DISTINCT copy_group_id) FILTER (WHERE ingest_date = $night), count(DISTINCT copy_group_id) FROM stories.members
UNION ALL SELECT 'stories.stories', count(DISTINCT story_id) FILTER (WHERE ingest_date = $night), count(DISTINCT story_id) FROM stories.members
UNION ALL SELECT 'claims.quotes', count(*) FILTER (WHERE ingest_date = $night), count(*) FROM claims.quotes
UNION ALL SELECT 'claims.claims', count(*) FILTER (WHERE ingest_date = $night), count(*) FROM claims.claims
UNION ALL SELECT 'claims.conflicts', count(*) FILTER (WHERE ingest_date = $night), count(*) FROM claims.conflicts;

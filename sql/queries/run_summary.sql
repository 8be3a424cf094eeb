-- What `make run` prints: rows per table for the night and in the whole warehouse.
SELECT 'raw.documents' AS table_name, count(*) FILTER (WHERE ingest_date = $night), count(*) FROM raw.documents
UNION ALL SELECT 'raw.rejects', count(*) FILTER (WHERE ingest_date = $night), count(*) FROM raw.rejects;

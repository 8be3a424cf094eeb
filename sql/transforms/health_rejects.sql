-- Failures and rejects of the night with the outlet evidence ingest had (a reject's outlet only from its
-- inbox folder).
SELECT coalesce(d.outlet, f.outlet) AS outlet, coalesce(d.outlet_source, 'file') AS outlet_source,
       'clean' AS stage, f.reason
FROM clean.failures f
LEFT JOIN raw.documents d ON d.document_id = f.document_id AND d.ingest_date = f.ingest_date
WHERE f.ingest_date = $partition
UNION ALL
SELECT CASE WHEN contains(source_path, '/') THEN split_part(source_path, '/', 1) END, 'folder', 'ingest', reason_code
FROM raw.rejects WHERE ingest_date = $partition

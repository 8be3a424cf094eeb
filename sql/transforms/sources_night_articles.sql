-- The night's clean articles with the outlet evidence ingest recorded (sources/outlets).
SELECT a.article_id, coalesce(d.outlet, a.outlet, 'unknown') AS outlet,
       coalesce(d.outlet_source, 'file') AS outlet_source, a.canonical_url, a.published_date,
       a.published_source, a.language, a.language_confidence, a.ingest_date
FROM clean.articles a
LEFT JOIN raw.documents d ON d.document_id = a.document_id AND d.ingest_date = a.ingest_date
WHERE a.ingest_date = $partition
ORDER BY a.article_id

-- One row per raw document of the partition: is it either cleaned (clean.articles) or failed with a reason (clean.failures)?
SELECT d.document_id,
       d.content_type,
       (a.document_id IS NOT NULL OR (f.document_id IS NOT NULL AND f.reason IS NOT NULL)) AS accounted_for
FROM raw.documents d
LEFT JOIN clean.articles a ON a.document_id = d.document_id AND a.ingest_date = d.ingest_date
LEFT JOIN clean.failures f ON f.document_id = d.document_id AND f.ingest_date = d.ingest_date
WHERE d.ingest_date = $partition

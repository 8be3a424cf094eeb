-- The night's raw documents, in the columns the cleaner takes.
SELECT document_id, outlet, content_type, raw_text, source_url, title_hint, published_hint
FROM raw.documents
WHERE ingest_date = $partition
ORDER BY document_id;

-- kept_share of text/markdown articles only (for HTML the markup is in the denominator, so it is always small).
SELECT a.article_id, d.content_type, a.kept_share
FROM clean.articles a
JOIN raw.documents d ON d.document_id = a.document_id AND d.ingest_date = a.ingest_date
WHERE a.ingest_date = $partition AND d.content_type IN ('text', 'markdown')

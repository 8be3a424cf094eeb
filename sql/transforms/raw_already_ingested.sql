-- Incoming documents (registered as _incoming_documents) already stored under an earlier night.
SELECT d.document_id, min(d.ingest_date) AS first_ingest_date
FROM raw.documents AS d
JOIN _incoming_documents AS i USING (document_id)
WHERE d.ingest_date <> $partition
GROUP BY d.document_id;

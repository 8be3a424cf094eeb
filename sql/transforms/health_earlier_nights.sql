-- Nights that ran before this one: an ingest step succeeded, or documents exist (older warehouses).
SELECT night FROM (
    SELECT partition_date AS night FROM meta.runs
    WHERE asset_key = 'raw/documents' AND status = 'succeeded' AND partition_date < $partition
    UNION SELECT DISTINCT ingest_date FROM raw.documents WHERE ingest_date < $partition)
ORDER BY night DESC LIMIT $nights

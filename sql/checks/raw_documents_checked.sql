-- The night's raw.documents (without the bulky raw_bytes) plus three cross-checks per row:
--   size_matches / hash_matches: byte_size and content_sha256 recomputed from the stored bytes agree
--     with the recorded values (false also when the bytes are missing);
--   rejects_for_same_record: raw.rejects rows of the same night for the same file and record, which
--     must be 0 because every record lands in exactly one of the two tables.
SELECT
    d.* EXCLUDE (raw_bytes),
    coalesce(octet_length(d.raw_bytes) = d.byte_size, FALSE)  AS size_matches,
    coalesce(sha256(d.raw_bytes) = d.content_sha256, FALSE)   AS hash_matches,
    (
        SELECT count(*)
        FROM raw.rejects AS r
        WHERE r.ingest_date = $partition
          AND r.source_path = d.source_path
          AND r.record_index = d.record_index
    ) AS rejects_for_same_record
FROM raw.documents AS d
WHERE d.ingest_date = $partition

-- Per-outlet line statistics as the latest night before this one left them.
SELECT * EXCLUDE (ingest_date, run_id)
FROM clean.line_stats
WHERE ingest_date = (SELECT max(ingest_date) FROM clean.line_stats WHERE ingest_date < $partition);

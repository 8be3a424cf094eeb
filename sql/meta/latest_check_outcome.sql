-- The latest outcome of a suite for a night: a downstream step refuses to build on a critical failure.
SELECT critical_passed, run_id, checked_at, failed
FROM meta.check_results
WHERE check_name = $check_name AND partition_date = $partition
ORDER BY checked_at DESC
LIMIT 1

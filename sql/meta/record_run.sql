-- Provenance of one asset step (meta.runs): written when the step starts (status 'started', no finish
-- time) and updated when it ends; the start time of the first write is kept.
INSERT INTO meta.runs (run_id, asset_key, partition_date, job_name, started_at, finished_at, status,
                       wiretrace_version, package_versions, config, config_hash, row_counts)
VALUES ($run_id, $asset_key, $partition, $job_name, now(), CASE WHEN $status = 'started' THEN NULL ELSE now() END,
        $status, $wiretrace_version, $package_versions, $config, $config_hash, $row_counts)
ON CONFLICT (run_id, asset_key) DO UPDATE SET
    finished_at = excluded.finished_at,
    status = excluded.status,
    wiretrace_version = excluded.wiretrace_version,
    package_versions = excluded.package_versions,
    config = excluded.config,
    config_hash = excluded.config_hash,
    row_counts = excluded.row_counts;

-- Outcome of one Great Expectations suite for one night (meta.check_results): what later runs' gates read.
INSERT INTO meta.check_results (run_id, check_name, asset_key, suite_table, partition_date, checked_at,
                                critical_passed, warning_passed, evaluated, failed)
VALUES ($run_id, $check_name, $asset_key, $suite_table, $partition, now(), $critical_passed, $warning_passed,
        $evaluated, $failed);

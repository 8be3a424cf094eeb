"""Adapter: each Great Expectations suite in expectations/ becomes one blocking Dagster asset check.

A failed ``critical`` expectation fails the check with severity ERROR, which stops downstream assets in
the run; ``warning`` failures fail it with severity WARN, which shows in the UI but blocks nothing.
Every outcome is also written to ``meta.check_results`` for the cross-run guard in ``gates.py``.
"""

import json

import dagster as dg

from orchestration.partitions import nightly_partitions
from orchestration.resources import WarehouseResource
from orchestration.suites import all_suites, asset_of_suite
from wiretrace.quality import Suite, SuiteOutcome, validate
from wiretrace.warehouse import sql_file, transaction


def _record(con, context: dg.AssetCheckExecutionContext, asset_key: str, partition: str,
            outcome: SuiteOutcome) -> None:
    with transaction(con):
        con.execute(sql_file("meta/record_check_result.sql"), {
            "run_id": context.run.run_id, "check_name": outcome.suite.check_name, "asset_key": asset_key,
            "suite_table": outcome.suite.table, "partition": partition, "critical_passed": outcome.critical_passed,
            "warning_passed": outcome.warning_passed, "evaluated": outcome.evaluated,
            "failed": json.dumps(outcome.failures, default=str)})


def _failures_markdown(outcome: SuiteOutcome) -> str:
    lines = ["| severity | expectation | column | unexpected | sample ids | why |", "|---|---|---|---|---|---|"]
    for f in outcome.failures:
        column = f["kwargs"].get("column", "")
        ids = ", ".join(f["sample_ids"][:5]) or ", ".join(map(str, f["sample_values"][:3]))
        lines.append(f"| {f['severity']} | {f['type']} | {column} | {f['unexpected_count']} | {ids} | {f['why']} |")
    return "\n".join(lines)


def build_suite_check(suite: Suite) -> dg.AssetChecksDefinition:
    asset_key = asset_of_suite(suite)
    critical = sum(e["severity"] == "critical" for e in suite.expectations)

    @dg.asset_check(
        asset=dg.AssetKey(asset_key.split("/")),
        name=suite.check_name,
        description=f"Great Expectations suite for {suite.table} ({suite.path.name}): "
                    f"{len(suite.expectations)} expectations, {critical} critical.",
        blocking=True,
        partitions_def=nightly_partitions,
        pool="duckdb_writer",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        partition = context.partition_key
        with warehouse.connection() as con:
            outcome = validate(con, suite, partition, context.run.run_id)
            _record(con, context, asset_key, partition, outcome)
        metadata = {
            "table": suite.table,
            "rows validated": dg.MetadataValue.int(outcome.rows),
            "expectations evaluated": dg.MetadataValue.int(outcome.evaluated),
            "failed expectations": dg.MetadataValue.int(len(outcome.failures)),
        }
        if outcome.failures:
            metadata["failures"] = dg.MetadataValue.md(_failures_markdown(outcome))
            metadata["failures (json)"] = dg.MetadataValue.json(outcome.failures)
        severity = dg.AssetCheckSeverity.WARN if outcome.critical_passed else dg.AssetCheckSeverity.ERROR
        return dg.AssetCheckResult(passed=not outcome.failures, severity=severity, metadata=metadata)

    return _check


def build_all_suite_checks() -> list[dg.AssetChecksDefinition]:
    return [build_suite_check(s) for s in all_suites()]

"""Refuse to build on an upstream night whose latest blocking check failed.

``blocking=True`` stops downstream steps only inside the run that ran the check. An operator who later
materialises a downstream asset alone from the UI would build on bad data; this guard closes that gap by
reading the latest gate outcome for the night from ``meta.check_results``.
"""

import dagster as dg
import duckdb

from orchestration.suites import suites_for_asset
from wiretrace.warehouse import sql_file

LATEST_OUTCOME_SQL = sql_file("meta/latest_check_outcome.sql")


def assert_upstream_passed(con: duckdb.DuckDBPyConnection, context: dg.AssetExecutionContext,
                           partition: str) -> None:
    problems = []
    for upstream in sorted(context.assets_def.dependency_keys, key=lambda k: k.to_user_string()):
        for suite in suites_for_asset(upstream.to_user_string()):
            row = con.execute(LATEST_OUTCOME_SQL, {"check_name": suite.check_name, "partition": partition}).fetchone()
            if row is None:
                problems.append(f"{suite.check_name} has never run for {partition}: materialise "
                                f"{upstream.to_user_string()} for that night first")
            elif not row[0]:
                problems.append(f"{suite.check_name} failed critical expectations in run {row[1]} at {row[2]}: "
                                f"{row[3]}")
    if problems:
        raise dg.Failure(
            description=f"Refusing to build {context.asset_key.to_user_string()} for {partition}: "
                        "an upstream quality gate did not pass. Fix the upstream data and rematerialise it.",
            metadata={"blocked_by": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems))},
            allow_retries=False,
        )

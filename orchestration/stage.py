"""The one shape every asset step has: gate on upstream checks, compute, write the night, record provenance.

Assets stay thin: they give a compute function that reads what it needs and returns the table writes
and key figures; this module does the rest the same way for every stage.
"""

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata

import dagster as dg
import duckdb

import wiretrace
from orchestration.gates import assert_upstream_passed
from orchestration.resources import WarehouseResource
from wiretrace.warehouse import TableWrite, replace_partition, sql_file, transaction

TRACKED_PACKAGES = ("dagster", "duckdb", "polars", "trafilatura", "great-expectations", "scikit-learn",
                    "rapidfuzz", "py3langid", "warcio")


@dataclass
class StageOutput:
    writes: list[TableWrite]
    figures: Mapping[str, float | int | str] = field(default_factory=dict)
    description: str | None = None  # markdown shown with the materialisation
    extra_params: Mapping[str, object] | None = None


def package_versions() -> dict[str, str]:
    versions = {}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def config_hash(config: Mapping) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


def _record_run(con: duckdb.DuckDBPyConnection, context: dg.AssetExecutionContext, asset_key: str,
                partition: str, config: Mapping, status: str, row_counts: Mapping | None) -> None:
    with transaction(con):
        con.execute(sql_file("meta/record_run.sql"), {
            "run_id": context.run_id, "asset_key": asset_key, "partition": partition, "job_name": context.job_name,
            "status": status, "wiretrace_version": wiretrace.__version__,
            "package_versions": json.dumps(package_versions()), "config": json.dumps(config, default=str),
            "config_hash": config_hash(config),
            "row_counts": json.dumps(row_counts) if row_counts is not None else None})


def run_stage(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    compute: Callable[[duckdb.DuckDBPyConnection, str], StageOutput],
    *,
    config: Mapping | None = None,
) -> dg.MaterializeResult:
    """Run one asset step for the context's partition and return its materialisation."""
    asset_key = context.asset_key.to_user_string()
    partition = context.partition_key
    config = dict(config or {})
    started = time.perf_counter()
    with warehouse.connection() as con:
        assert_upstream_passed(con, context, partition)
        _record_run(con, context, asset_key, partition, config, "started", None)
        try:
            output = compute(con, partition)
            counts = replace_partition(con, partition, output.writes, extra_params=output.extra_params)
        except Exception:
            _record_run(con, context, asset_key, partition, config, "failed", None)
            raise
        _record_run(con, context, asset_key, partition, config, "succeeded", counts)
    seconds = time.perf_counter() - started
    metadata: dict[str, object] = {f"rows {table}": dg.MetadataValue.int(n) for table, n in counts.items()}
    for name, value in output.figures.items():
        metadata[name] = value
    metadata["seconds"] = dg.MetadataValue.float(round(seconds, 2))
    metadata["config_hash"] = config_hash(config)
    if output.description:
        metadata["summary"] = dg.MetadataValue.md(output.description)
    context.log.info(f"{asset_key} [{partition}]: " + ", ".join(f"{t}={n}" for t, n in counts.items())
                     + f" in {seconds:.1f}s")
    return dg.MaterializeResult(metadata=metadata)

"""Marts: the analyst views, then the published read-only snapshot of the warehouse."""

import dagster as dg

from orchestration.partitions import nightly_partitions
from orchestration.resources import WarehouseResource
from orchestration.stage import StageOutput, run_stage
from wiretrace.snapshot import publish_snapshot
from wiretrace.warehouse import SQL_DIR, transaction


def create_views(con) -> list[str]:
    files = sorted((SQL_DIR / "marts").glob("*.sql"))
    with transaction(con):
        for path in files:
            con.execute(path.read_text(encoding="utf-8"))
    return [p.name for p in files]


@dg.asset(
    key=["marts", "views"],
    deps=[dg.AssetKey(["claims", "claims"])],
    group_name="marts",
    partitions_def=nightly_partitions,
    pool="duckdb_writer",
    owners=["team:wiretrace"],
    kinds={"duckdb", "sql"},
    description="Analyst views in the marts schema (sql/marts/*.sql), rebuilt after every night.",
)
def marts_views(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    def compute(con, partition: str) -> StageOutput:
        files = create_views(con)
        return StageOutput(writes=[], figures={"view files": len(files)})

    return run_stage(context, warehouse, compute)


@dg.asset(
    key=["marts", "analytics_snapshot"],
    # Last writer of the night: the copy holds the run-health rows and the meta.runs rows of every stage.
    deps=[dg.AssetKey(["marts", "views"]), dg.AssetKey(["sources", "run_health"]),
          dg.AssetKey(["reports", "story_reports"])],
    group_name="marts",
    partitions_def=nightly_partitions,
    pool="duckdb_writer",
    owners=["team:wiretrace"],
    kinds={"duckdb"},
    description="Read-only copy of the whole warehouse for analysts (data/analytics.duckdb by default, "
                "WIRETRACE_SNAPSHOT to change), swapped in atomically after a night whose gates passed.",
)
def analytics_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    target = warehouse.snapshot_path

    def compute(con, partition: str) -> StageOutput:
        publish_snapshot(con, target)
        return StageOutput(writes=[], figures={"snapshot": str(target),
                                               "snapshot MB": round(target.stat().st_size / 1e6, 2)})

    return run_stage(context, warehouse, compute)

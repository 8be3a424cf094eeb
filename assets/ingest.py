"""Ingest: every file of the night's inbox becomes a row of raw.documents or raw.rejects."""

import dagster as dg
import polars as pl

from orchestration.partitions import nightly_partitions
from orchestration.resources import InboxResource, WarehouseResource
from orchestration.stage import StageOutput, run_stage
from wiretrace.ingest import IngestLimits, scan_inbox
from wiretrace.warehouse import TableWrite, query_frame, sql_file


class IngestConfig(dg.Config):
    max_file_mb: float = 20.0


def drop_already_ingested(con, documents: pl.DataFrame, rejects: pl.DataFrame, partition: str):
    """A record ingested on an earlier night is not ingested again; it is recorded as a reject instead."""
    if documents.is_empty():
        return documents, rejects
    con.register("_incoming_documents", documents.select("document_id"))
    try:
        earlier = query_frame(con, sql_file("transforms/raw_already_ingested.sql"), {"partition": partition})
    finally:
        con.unregister("_incoming_documents")
    if earlier.is_empty():
        return documents, rejects
    repeated = documents.join(earlier, on="document_id", how="inner")
    as_rejects = repeated.select(
        pl.concat_str([pl.col("document_id"), pl.lit(":already_ingested")]).alias("reject_id"),
        "source_path", "record_index",
        pl.lit("already_ingested").alias("reason_code"),
        pl.format("identical record already ingested on {} as document {}; not ingested twice",
                  pl.col("first_ingest_date").cast(pl.String), pl.col("document_id")).alias("reason"),
        "byte_size", "content_sha256",
    )
    return (documents.join(earlier, on="document_id", how="anti"),
            pl.concat([rejects, as_rejects], how="diagonal_relaxed"))


@dg.asset(
    key=["raw", "documents"],
    group_name="ingest",
    partitions_def=nightly_partitions,
    pool="duckdb_writer",
    owners=["team:wiretrace"],
    kinds={"python", "duckdb"},
    description="Raw articles of the night: every input file or record, bytes kept, encoding detected, "
                "content hashed. Unreadable inputs go to raw.rejects with a reason; nothing is dropped.",
)
def raw_documents(context: dg.AssetExecutionContext, config: IngestConfig, warehouse: WarehouseResource,
                  inbox: InboxResource) -> dg.MaterializeResult:
    def compute(con, partition: str) -> StageOutput:
        folder = inbox.folder_for(partition)
        result = scan_inbox(folder, limits=IngestLimits(max_file_bytes=int(config.max_file_mb * 1024 * 1024)))
        documents, rejects = drop_already_ingested(con, result.documents, result.rejects, partition)
        stamp = [pl.lit(partition).str.to_date().alias("ingest_date"), pl.lit(context.run_id).alias("run_id")]
        reasons = rejects.group_by("reason_code").len().sort("len", descending=True)
        return StageOutput(
            writes=[TableWrite("raw.documents", documents.with_columns(stamp)),
                    TableWrite("raw.rejects", rejects.with_columns(stamp))],
            figures={"inbox": str(folder), "documents": len(documents), "rejected": len(rejects),
                     "outlets": documents["outlet"].n_unique() if len(documents) else 0,
                     # records left out on purpose (WARC requests, non-HTML, non-2xx ...): counted, not rows
                     "records skipped": sum(result.skipped.values()),
                     **{f"skipped {kind}": count for kind, count in sorted(result.skipped.items())}},
            description="Rejects by reason:\n\n" + "\n".join(
                f"- {r['reason_code']}: {r['len']}" for r in reasons.iter_rows(named=True)) if len(rejects) else None,
        )

    return run_stage(context, warehouse, compute, config=config.model_dump())

"""Claims: quotes with speakers, numbers, dates, aligned across the copies of each story the night touched.

A story's claims are recomputed whole when the night adds to it or its story pass changes its membership
(a fragment merged into it, or one that left it): earlier rows of those stories are replaced in the same
transaction, so agreements and conflicts always reflect every copy. Rows filed under a fragment that the
night merged into another story are deleted with them. Articles of earlier nights are not extracted
again: their stored sentences, quotes, quantities and dates are aligned with tonight's copies
(sql/transforms/claims_reusable_articles.sql says when that is safe), and only their quotes are rewritten
(a speaker's spelling follows the story); their sentences, quantities and dates stay as stored.
"""

import datetime as dt
import tempfile
from pathlib import Path

import dagster as dg
import polars as pl

from orchestration.partitions import nightly_partitions
from orchestration.resources import WarehouseResource
from orchestration.stage import StageOutput, run_stage
from wiretrace.claims import (
    PER_ARTICLE_TABLES,
    SCHEMAS,
    STORED_AS_IS_TABLES,
    stream_claims,
)
from wiretrace.warehouse import ParquetParts, TableWrite, query_frame, sql_file

# Rows of per-article tables go with their article; rows of per-story tables with their story. Rows are
# filed under their article's night, or the latest night of the story's members, not under the night that
# happened to recompute them: rerunning an earlier night leaves later nights' rows where they were.
PER_ARTICLE_DELETE = "ingest_date = $partition OR article_id IN (SELECT unnest($touched_articles))"
PER_STORY_DELETE = "ingest_date = $partition OR story_id IN (SELECT unnest($touched_stories))"
# STORED_AS_IS_TABLES keep the rows of reused articles: only those of the articles extracted tonight go.
EXTRACTED_DELETE = "ingest_date = $partition OR article_id IN (SELECT unnest($extracted_articles))"
PER_STORY_TABLES = frozenset(name for name, schema in SCHEMAS.items() if "story_id" in schema)
DELETE_WHERE = {name: PER_STORY_DELETE if name in PER_STORY_TABLES else
                EXTRACTED_DELETE if name in STORED_AS_IS_TABLES else PER_ARTICLE_DELETE for name in SCHEMAS}


class ClaimsConfig(dg.Config):
    workers: int = 2


@dg.asset(
    key=["claims", "claims"],
    deps=[dg.AssetKey(["stories", "stories"])],
    group_name="claims",
    partitions_def=nightly_partitions,
    pool="duckdb_writer",
    owners=["team:wiretrace"],
    kinds={"python", "duckdb"},
    description="Sentences, quotes with speakers, quantities and dates of every article, aligned across the "
                "copies of a story into claims with support counts (articles, outlets, independent origins) "
                "and typed conflicts. Every row has offsets into clean.articles.body.",
)
def claims_claims(context: dg.AssetExecutionContext, config: ClaimsConfig,
                  warehouse: WarehouseResource) -> dg.MaterializeResult:
    def compute(con, partition: str) -> StageOutput:
        night = dt.date.fromisoformat(partition)
        members = query_frame(con, sql_file("transforms/claims_touched_members.sql"), {"partition": partition})
        con.register("_claim_members", members.select("article_id", "ingest_date"))
        try:
            articles = query_frame(con, sql_file("transforms/claims_input_articles.sql"))
            reused = query_frame(con, sql_file("transforms/claims_reusable_articles.sql"), {"partition": partition})
        finally:
            con.unregister("_claim_members")
        con.register("_claim_reuse", reused)
        try:
            stored = {name: query_frame(con, sql_file(f"transforms/claims_stored_{name}.sql"))
                      for name in PER_ARTICLE_TABLES}
        finally:
            con.unregister("_claim_reuse")
        rewritten = query_frame(con, sql_file("transforms/claims_stories_rewritten.sql"), {"partition": partition})
        context.log.info(f"claims for {members['story_id'].n_unique()} stories, {len(articles)} articles "
                         f"({len(reused)} with their stored extraction)")
        article_night = members.select("article_id", "ingest_date").unique("article_id")
        story_night = members.group_by("story_id").agg(pl.col("ingest_date").max())

        def file_chunk(name: str, frame: pl.DataFrame) -> None:
            per_story = name in PER_STORY_TABLES
            filed = frame.join(story_night if per_story else article_night, on="story_id" if per_story else "article_id",
                               how="left", maintain_order="left")
            parts.add(name, filed.with_columns(pl.col("ingest_date").fill_null(night), run_id=pl.lit(context.run_id)))

        # the rows go to Parquet parts as the stories are done and are loaded from there in one transaction:
        # the stage holds a chunk of rows at a time, not the night's (~80M rows at 1M articles)
        rows = stream_claims(articles, members, file_chunk, workers=config.workers, stored=stored)
        writes = [TableWrite(f"claims.{name}", parts.dataset(name), delete_where=DELETE_WHERE[name])
                  for name in SCHEMAS]
        return StageOutput(
            writes=writes,
            extra_params={"touched_articles": members["article_id"].to_list(),
                          "extracted_articles": members.filter(~pl.col("article_id").is_in(reused["article_id"].implode()))
                                                       ["article_id"].to_list(),
                          "touched_stories": sorted(set(members["story_id"].to_list())
                                                    | set(rewritten["story_id"].to_list()))},
            figures={"stories": members["story_id"].n_unique(), "articles": len(articles),
                     "articles with stored extraction": len(reused),
                     "quotes": rows["quotes"], "claims": rows["claims"], "conflicts": rows["conflicts"]},
        )

    with tempfile.TemporaryDirectory(prefix=".claims-parts-", dir=Path(warehouse.path).resolve().parent) as folder:
        parts = ParquetParts(folder)
        return run_stage(context, warehouse, compute, config=config.model_dump())

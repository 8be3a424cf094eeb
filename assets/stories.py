"""Stories: the night's clean articles join copy groups and story fragments of earlier nights, or open new
ones; the story pass then recomputes which fragments form one story (merges, re-pointed or undone merges).

Only the state inside the time windows is loaded (wiretrace.stories.STATE_SQL), so a night costs what
its own size and window cost, not what history costs; earlier bodies are read only for the articles a
night asks for (BODIES_SQL). Ids derive from founding articles: a rerun
reproduces them.
"""

import datetime as dt

import dagster as dg
import polars as pl

from orchestration.partitions import nightly_partitions
from orchestration.resources import WarehouseResource
from orchestration.stage import StageOutput, run_stage
from wiretrace.stories import (
    BODIES_SQL,
    STATE_SQL,
    Bodies,
    StoryParams,
    StoryState,
    assign_night,
)
from wiretrace.warehouse import TableWrite, query_frame, sql_file


class StoriesConfig(dg.Config):
    story_window_days: int = 3
    copy_window_days: int = 7
    story_threshold: float = StoryParams().story_threshold
    fragment_threshold: float = StoryParams().fragment_threshold
    # pairs kept between nights at this cosine (None: every night multiplies the story pass's whole reach)
    kept_pair_threshold: float | None = StoryParams().kept_pair_threshold
    workers: int = 2  # processes for term vectors and copy diffs of a large night (1: this process only)


def _params(config: StoriesConfig) -> StoryParams:
    return StoryParams(story_window_days=config.story_window_days, copy_window_days=config.copy_window_days,
                       story_threshold=config.story_threshold, fragment_threshold=config.fragment_threshold,
                       kept_pair_threshold=config.kept_pair_threshold)


def load_state(con, night: dt.date, params: StoryParams) -> StoryState:
    since = night - dt.timedelta(days=max(params.copy_window_days,
                                          params.story_window_days + params.max_story_span_days)
                                 + params.max_published_lag_days)
    frames = {name: query_frame(con, query, {"night": night, "since": since}) for name, query in STATE_SQL.items()}
    empty = StoryState.empty()
    # An empty result has no types; take them from the library's schemas.
    state = {name: frames[name] if len(frames[name]) else getattr(empty, name) for name in frames}

    def bodies_of(ids: list[str]) -> pl.DataFrame:
        return query_frame(con, BODIES_SQL, {"ids": ids, "night": night, "since": since})

    return StoryState(**state, bodies=Bodies(lookup=bodies_of))


def _stamp(context, night: dt.date) -> list[pl.Expr]:
    return [pl.lit(night).alias("ingest_date"), pl.lit(context.run_id).alias("run_id")]


@dg.asset(
    key=["stories", "stories"],
    deps=[dg.AssetKey(["clean", "articles"])],
    group_name="stories",
    partitions_def=nightly_partitions,
    pool="duckdb_writer",
    owners=["team:wiretrace"],
    kinds={"python", "duckdb"},
    description="Copy groups (one wire text republished, edited or partial) and stories (copy groups and "
                "rewrites about one event). stories.members says where each article went; stories.diffs "
                "what each copy changed against its group's representative. Nights assign articles to story "
                "fragments (final); a story pass recomputed every night joins fragments into stories, and "
                "may re-point or undo an earlier join (stories.merges, stories.unmerges, "
                "stories.stories.merged_into; stories.live_stories resolves).",
)
def stories_stories(context: dg.AssetExecutionContext, config: StoriesConfig,
                    warehouse: WarehouseResource) -> dg.MaterializeResult:
    params = _params(config)

    def compute(con, partition: str) -> StageOutput:
        night = dt.date.fromisoformat(partition)
        articles = query_frame(con, sql_file("transforms/stories_input.sql"), {"partition": partition})
        state = load_state(con, night, params)
        context.log.info(f"assigning {len(articles)} articles against {len(state.stories)} active stories")
        # Fragments and the story pass over them come from one call, and every table (snapshots, merges
        # and unmerges included) is written in the step's one transaction: a rerun replaces them together.
        result = assign_night(articles, state, params=params, workers=config.workers)
        tables = result.tables()
        known = set(state.stories["story_id"].to_list())
        new_fragments = set(result.members["story_id"].to_list()) - known
        return StageOutput(
            writes=[TableWrite(table, frame.with_columns(_stamp(context, night)))
                    for table, frame in tables.items()],
            # "stories opened/extended" count fragments (the unit a night assigns); names kept for the UI
            figures={"articles": len(articles), "stories opened": len(new_fragments),
                     "stories extended": result.members["story_id"].n_unique() - len(new_fragments),
                     "story snapshots": len(result.stories),
                     "fragments merged": len(result.merges), "merges undone": len(result.unmerges),
                     "group pairs kept": len(result.group_pairs),
                     "copy groups": result.members["copy_group_id"].n_unique() if len(result.members) else 0},
        )

    return run_stage(context, warehouse, compute, config=config.model_dump())

"""Stories: the night's clean articles join copy groups and stories of earlier nights, or open new ones.

Only the state inside the time windows is loaded (wiretrace.stories.STATE_SQL), so a night costs what
its own size costs, not what history costs. Ids derive from founding articles: a rerun reproduces them.
"""

import datetime as dt

import dagster as dg
import polars as pl

from orchestration.partitions import nightly_partitions
from orchestration.resources import WarehouseResource
from orchestration.stage import StageOutput, run_stage
from wiretrace.stories import STATE_SQL, StoryParams, StoryState, apply_night, assign_night, merge_pass
from wiretrace.warehouse import TableWrite, query_frame, sql_file


class StoriesConfig(dg.Config):
    story_window_days: int = 3
    copy_window_days: int = 7
    story_threshold: float = 0.225


def _params(config: StoriesConfig) -> StoryParams:
    return StoryParams(story_window_days=config.story_window_days, copy_window_days=config.copy_window_days,
                       story_threshold=config.story_threshold, merge_threshold=config.story_threshold)


def load_state(con, night: dt.date, params: StoryParams) -> StoryState:
    since = night - dt.timedelta(days=max(params.copy_window_days,
                                          params.story_window_days + params.max_story_span_days)
                                 + params.max_published_lag_days)
    frames = {name: query_frame(con, query, {"night": night, "since": since}) for name, query in STATE_SQL.items()}
    empty = StoryState.empty()
    # An empty result has no types; take them from the library's schemas.
    return StoryState(**{name: frames[name] if len(frames[name]) else getattr(empty, name) for name in frames})


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
                "what each copy changed against its group's representative; a merge pass over the stories "
                "in the window joins those that grew together (stories.merges).",
)
def stories_stories(context: dg.AssetExecutionContext, config: StoriesConfig,
                    warehouse: WarehouseResource) -> dg.MaterializeResult:
    params = _params(config)

    def compute(con, partition: str) -> StageOutput:
        night = dt.date.fromisoformat(partition)
        articles = query_frame(con, sql_file("transforms/stories_input.sql"), {"partition": partition})
        state = load_state(con, night, params)
        context.log.info(f"assigning {len(articles)} articles against {len(state.stories)} active stories")
        result = assign_night(articles, state, params=params)
        # The merge pass runs in the same step and transaction, over the state as tonight leaves it, so a
        # rerun of the night replaces assignment and merges together.
        merged = merge_pass(apply_night(state, result, articles), params=params, as_of=night)
        tables = result.tables()
        tables["stories.stories"] = pl.concat([
            result.stories.filter(~pl.col("story_id").is_in(merged.stories["story_id"].implode())),
            merged.stories.select(result.stories.columns),
        ])
        tables["stories.merges"] = merged.merges
        known = set(state.stories["story_id"].to_list())
        new_stories = result.stories.filter(~pl.col("story_id").is_in(list(known)))
        return StageOutput(
            writes=[TableWrite(table, frame.with_columns(_stamp(context, night)))
                    for table, frame in tables.items()],
            figures={"articles": len(articles), "stories opened": len(new_stories),
                     "stories extended": len(result.stories) - len(new_stories),
                     "stories merged": len(merged.merges),
                     "copy groups": result.members["copy_group_id"].n_unique() if len(result.members) else 0},
        )

    return run_stage(context, warehouse, compute, config=config.model_dump())

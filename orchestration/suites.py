"""Which asset each Great Expectations suite gates: a table belongs to the asset of its schema."""

from functools import cache

from wiretrace.quality import Suite, load_suites

ASSET_OF_SCHEMA = {
    "raw": "raw/documents",
    "clean": "clean/articles",
    "stories": "stories/stories",
    "claims": "claims/claims",
    "marts": "sources/run_health",
    "reports": "reports/story_reports",
}


@cache
def all_suites() -> tuple[Suite, ...]:
    return tuple(load_suites())


def asset_of_suite(suite: Suite) -> str:
    return ASSET_OF_SCHEMA[suite.table.split(".")[0]]


def suites_for_asset(asset_key: str) -> list[Suite]:
    return [s for s in all_suites() if asset_of_suite(s) == asset_key]

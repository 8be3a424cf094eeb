"""The celery code location with one injected critical suite on clean.articles that no article can pass
(body_chars above 10^12), so the blocking check fails and every step downstream of clean/articles must
be skipped. Workers load this module by name, like a real code location."""

from pathlib import Path

import dagster as dg

from orchestration.celery import build_celery_job
from orchestration.definitions import defs as base_defs
from orchestration.gx_checks import build_suite_check
from wiretrace.quality import Suite

IMPOSSIBLE_SUITE = Suite(
    table="clean.articles",
    frame={"table": "clean.articles"},
    expectations=[{"type": "expect_column_values_to_be_between",
                   "kwargs": {"column": "body_chars", "min_value": 10**12},
                   "severity": "critical", "why": "injected failure (tests/scale)"}],
    path=Path("injected.clean.articles_impossible.json"),
)
JOB_NAME = "nightly_celery_failing"

defs = dg.Definitions.merge(
    base_defs,
    dg.Definitions(asset_checks=[build_suite_check(IMPOSSIBLE_SUITE)], jobs=[build_celery_job(JOB_NAME)]),
)

"""The one Dagster entry point: ``dagster dev -m orchestration.definitions``."""

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # an offline server must not try the network

import dagster as dg  # noqa: E402

from assets import ALL_ASSET_MODULES  # noqa: E402
from orchestration.gx_checks import build_all_suite_checks  # noqa: E402
from orchestration.jobs import nightly_job  # noqa: E402
from orchestration.resources import default_resources  # noqa: E402
from orchestration.schedules import nightly_schedule  # noqa: E402
from orchestration.sensors import inbox_sensor  # noqa: E402

defs = dg.Definitions(
    assets=dg.load_assets_from_modules(ALL_ASSET_MODULES),
    asset_checks=build_all_suite_checks(),
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[inbox_sensor],
    resources=default_resources(),
)

"""Jobs: the nightly job materialises every asset for one night."""

import dagster as dg

from orchestration.partitions import nightly_partitions

NIGHTLY_JOB_NAME = "nightly"

# In-process: the steps share one process, so only one DuckDB writer exists at a time and no step pays
# a fresh interpreter start; the heavy stages use both cores through their own process pools.
nightly_job = dg.define_asset_job(
    name=NIGHTLY_JOB_NAME,
    selection=dg.AssetSelection.all(),
    partitions_def=nightly_partitions,
    executor_def=dg.in_process_executor,
    description="The whole night: ingest → clean → stories → claims → marts → published snapshot.",
    tags={"dagster/max_retries": "2", "dagster/retry_strategy": "FROM_FAILURE"},
)

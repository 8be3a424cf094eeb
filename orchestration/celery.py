"""Scale-out: the same assets and checks as ``nightly``, each step a Celery task on a worker process.

Load this module instead of ``orchestration.definitions`` when steps should run on Celery workers:
``dagster job execute -m orchestration.celery -j nightly_celery --tags '{"dagster/partition": "2025-06-10"}'``
(or ``dagster dev -m orchestration.celery``). It is a separate code location module so that the main
Definitions never import dagster-celery (an optional extra: ``pip install -e '.[scale]'``).

Broker and result backend: ``WIRETRACE_CELERY_BROKER`` / ``WIRETRACE_CELERY_BACKEND`` (default Redis on
127.0.0.1:6379, databases 0 and 1). Workers are plain Celery workers on dagster-celery's app:
``celery -A dagster_celery.app worker -Q dagster -c 1`` with a ``dagster_celery_config`` module (broker,
backend, the settings below) on their PYTHONPATH — ``dagster-celery worker start -y celery.yaml`` writes
that module from a YAML file — and the same environment as the run (DAGSTER_HOME with shared run
storage, WIRETRACE_WAREHOUSE, WIRETRACE_INBOX, WIRETRACE_SNAPSHOT), because each worker builds the
resources itself from the code location.

Why the DuckDB writes stay serial (DuckDB admits one writer process, and here every step, asset or
check, opens the warehouse):
1. Every asset and check is in the pool ``duckdb_writer``; dagster.yaml gives pools a default limit of 1
   at op granularity. The Celery executor's orchestration loop claims a pool slot in the instance's
   run storage *before* it submits a step's task and frees it when the step's events come back, so at
   most one warehouse step is queued or running at any time, across workers, hosts and runs that share
   the instance. (tests/scale/test_celery.py checks from the event log that no two steps overlapped.)
2. Workers take one task at a time (``-c 1``, prefetch multiplier 1, late acks), so a worker never holds
   a second step's task while another worker could run it.
3. Behind both, ``wiretrace.warehouse.connect`` waits a bounded time for DuckDB's file lock and then
   fails with the holder's name: a misconfigured instance (no pool limit) fails loudly, it cannot corrupt.
What this buys today is isolation and distribution (a step's crash kills a worker process, not the run;
steps land on whichever host is free), not parallel steps within one night; see docs/SCALE_OUT.md for
the Parquet-parts layout that lets compute steps run in parallel with one writer.
"""

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import dagster as dg  # noqa: E402
from dagster_celery import celery_executor  # noqa: E402

from orchestration.definitions import defs as base_defs  # noqa: E402
from orchestration.jobs import nightly_job  # noqa: E402
from orchestration.partitions import nightly_partitions  # noqa: E402

NIGHTLY_CELERY_JOB_NAME = "nightly_celery"
CELERY_QUEUE = "dagster"  # dagster-celery's default queue; route with the tag dagster-celery/queue
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
DEFAULT_BACKEND = "redis://127.0.0.1:6379/1"

# Settings shared by the executor (the side that submits tasks) and the workers' dagster_celery_config.
WORKER_SETTINGS = {
    "worker_prefetch_multiplier": 1,   # one task per worker process at a time, nothing reserved
    "task_acks_late": True,            # a task whose worker died is redelivered, not lost
    "broker_connection_retry_on_startup": True,
}


def executor_config() -> dict:
    return {
        "broker": os.environ.get("WIRETRACE_CELERY_BROKER", DEFAULT_BROKER),
        "backend": os.environ.get("WIRETRACE_CELERY_BACKEND", DEFAULT_BACKEND),
        "config_source": dict(WORKER_SETTINGS),
    }


def worker_config_module(broker: str, backend: str) -> str:
    """Source of the ``dagster_celery_config`` module a worker imports (what ``dagster-celery worker start
    -y`` writes from YAML); put its folder on the worker's PYTHONPATH."""
    lines = [f"broker_url = {broker!r}", f"result_backend = {backend!r}"]
    lines += [f"{k} = {v!r}" for k, v in WORKER_SETTINGS.items()]
    return "\n".join(lines) + "\n"


def build_celery_job(name: str = NIGHTLY_CELERY_JOB_NAME):
    return dg.define_asset_job(
        name=name,
        selection=dg.AssetSelection.all(),
        partitions_def=nightly_partitions,
        executor_def=celery_executor,
        # defaults from the environment at load; execute_nightly_celery re-reads it at launch
        config={"execution": {"config": executor_config()}},
        description="The nightly job with every step a Celery task (Redis broker); warehouse steps "
                    "serialised by the duckdb_writer pool. Same assets and checks as 'nightly'.",
        tags=dict(nightly_job.tags or {}),
    )


nightly_celery_job = build_celery_job()

defs = dg.Definitions.merge(base_defs, dg.Definitions(jobs=[nightly_celery_job]))


def execute_nightly_celery(night: str, instance: dg.DagsterInstance, *, module: str = __name__,
                           attribute: str = "defs", job_name: str = NIGHTLY_CELERY_JOB_NAME,
                           raise_on_error: bool = False):
    """Run the Celery job for one night from this process (the run's orchestrator); steps go to workers.

    ``instance`` must be persistent (workers read the run from its storage); ``module``/``attribute`` name
    the Definitions the workers load, so a test can point them at a variant of this module.
    """
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    job = ReconstructableRepository.for_module(module, attribute).get_reconstructable_job(job_name)
    return dg.execute_job(job, instance=instance, tags={"dagster/partition": night},
                          run_config={"execution": {"config": executor_config()}}, raise_on_error=raise_on_error)

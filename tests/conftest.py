"""Shared fixtures. The nightly job on the bundled sample takes ~25 s, so it runs once per session."""

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
# ../shared beside the checkout: the seeds with their answer key and the public corpora.
SHARED = Path(os.environ.get("WIRETRACE_SHARED") or REPO.parent / "shared")
SEEDS = REPO.parent / "shared" / "seeds"
SEED_NIGHT = "2025-06-10"


def run_nightly(warehouse_path: Path, inbox: Path, night: str, snapshot: Path | None = None, instance=None):
    """Run the nightly job in this process against a given warehouse and inbox; returns the result."""
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.resources import InboxResource, WarehouseResource

    previous = os.environ.get("WIRETRACE_SNAPSHOT")
    os.environ["WIRETRACE_SNAPSHOT"] = str(snapshot or warehouse_path.with_name("analytics.duckdb"))
    try:
        return defs.resolve_job_def("nightly").execute_in_process(
            partition_key=night,
            resources={"warehouse": WarehouseResource(path=str(warehouse_path), lock_wait_seconds=5),
                       "inbox": InboxResource(path=str(inbox))},
            instance=instance or dg.DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
    finally:
        if previous is None:
            os.environ.pop("WIRETRACE_SNAPSHOT", None)
        else:
            os.environ["WIRETRACE_SNAPSHOT"] = previous


@pytest.fixture(scope="session")
def seed_run(tmp_path_factory):
    """The nightly job run once on the sample corpus (the five seeds). Read-only for tests."""
    root = tmp_path_factory.mktemp("seed_run")
    inbox = root / "inbox"
    shutil.copytree(SAMPLE, inbox)
    result = run_nightly(root / "warehouse.duckdb", inbox, SEED_NIGHT)
    return {"result": result, "warehouse": root / "warehouse.duckdb", "snapshot": root / "analytics.duckdb",
            "inbox": inbox, "night": SEED_NIGHT}


@pytest.fixture(scope="module")
def seed_db(seed_run):
    """A read-only connection to the published snapshot of the seed run."""
    import duckdb

    con = duckdb.connect(str(seed_run["snapshot"]), read_only=True)
    yield con
    con.close()

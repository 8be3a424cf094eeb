"""Resources: where the warehouse and the inbox live. Chosen from environment variables in one place."""

import os
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from wiretrace import warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file (``WIRETRACE_WAREHOUSE``, default data/warehouse.duckdb)."""

    path: str
    lock_wait_seconds: float = 30.0

    @contextmanager
    def connection(self):
        try:
            con = warehouse.connect(self.path, lock_wait_seconds=self.lock_wait_seconds)
        except warehouse.WarehouseLockedError as exc:
            # A dagster Failure shows the sentence (holder, what to do) as the step's error, instead of
            # "Error occurred while executing op" over a stack trace; retries stay allowed (run retries).
            raise dg.Failure(description=str(exc), metadata={"warehouse": self.path,
                                                             "lock wait (s)": self.lock_wait_seconds},
                             allow_retries=True) from exc
        try:
            warehouse.ensure_schema(con)
            yield con
        finally:
            con.close()

    @property
    def snapshot_path(self) -> Path:
        return Path(os.environ.get("WIRETRACE_SNAPSHOT", Path(self.path).with_name("analytics.duckdb")))


class InboxResource(dg.ConfigurableResource):
    """The folder a night's raw files land in (``WIRETRACE_INBOX``, default data/sample).

    A subfolder named after the night (``inbox/2025-06-08/``) holds that night's files; an inbox without
    dated subfolders is read whole (the bundled sample works this way).
    """

    path: str

    def folder_for(self, partition: str) -> Path:
        root = Path(self.path)
        dated = root / partition
        return dated if dated.is_dir() else root


def default_resources() -> dict:
    return {
        "warehouse": WarehouseResource(
            path=os.environ.get("WIRETRACE_WAREHOUSE", warehouse.DEFAULT_WAREHOUSE),
            lock_wait_seconds=float(os.environ.get("WIRETRACE_LOCK_WAIT_SECONDS", "30")),
        ),
        "inbox": InboxResource(path=os.environ.get("WIRETRACE_INBOX", "data/sample")),
    }

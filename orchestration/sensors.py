"""Inbox sensor: start a run when new files land in the inbox.

Files in a dated subfolder (``inbox/2025-06-08/``) start a run for that night; files at the top level
start a run for today. The cursor holds the newest modification time already seen, so a file triggers
one run, and an unchanged inbox triggers none.
"""

import datetime as dt
import json
import os
import re
from pathlib import Path

import dagster as dg

from orchestration.jobs import nightly_job

DATED_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def new_files_by_night(inbox: Path, since_ns: int, today: str) -> tuple[dict[str, int], int]:
    """Newest mtime (ns) of files newer than ``since_ns`` per night, and the newest mtime overall."""
    newest_by_night: dict[str, int] = {}
    newest = since_ns
    if not inbox.is_dir():
        return newest_by_night, newest
    for root, dirs, files in os.walk(inbox):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel_parts = Path(root).relative_to(inbox).parts
        night = rel_parts[0] if rel_parts and DATED_FOLDER.match(rel_parts[0]) else today
        for name in files:
            if name.startswith("."):
                continue
            try:
                mtime = os.lstat(os.path.join(root, name)).st_mtime_ns
            except OSError:
                continue  # vanished between listing and stat; the next tick sees the inbox again
            if mtime > since_ns:
                newest_by_night[night] = max(newest_by_night.get(night, 0), mtime)
                newest = max(newest, mtime)
    return newest_by_night, newest


@dg.sensor(job=nightly_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Starts the nightly job for a night when new files land in WIRETRACE_INBOX.")
def inbox_sensor(context: dg.SensorEvaluationContext):
    inbox = Path(os.environ.get("WIRETRACE_INBOX", "data/sample"))
    cursor = json.loads(context.cursor) if context.cursor else {"newest_mtime_ns": 0}
    today = dt.datetime.now(dt.UTC).date().isoformat()
    by_night, newest = new_files_by_night(inbox, cursor["newest_mtime_ns"], today)
    if not by_night:
        return dg.SkipReason(f"no new files in {inbox}")
    requests = [dg.RunRequest(run_key=f"inbox-{night}-{mtime}", partition_key=night)
                for night, mtime in sorted(by_night.items())]
    context.update_cursor(json.dumps({"newest_mtime_ns": newest}))
    return requests

"""The one Definitions: asset graph, a blocking check per suite file, the nightly job, schedule and sensor."""

import datetime as dt
import os

import dagster as dg
import pytest

from orchestration.definitions import defs
from wiretrace.quality import EXPECTATIONS_DIR, load_suite

# The core of the night: each stage's asset and what it builds on.
CORE_GRAPH = {
    "raw/documents": set(),
    "clean/articles": {"raw/documents"},
    "stories/stories": {"clean/articles"},
    "claims/claims": {"stories/stories"},
    "marts/views": {"claims/claims"},
    "marts/analytics_snapshot": {"marts/views", "sources/run_health", "reports/story_reports"},
}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return {spec.key.to_user_string(): {d.asset_key.to_user_string() for d in spec.deps}
            for spec in defs.resolve_all_asset_specs()}


def test_the_asset_graph(graph) -> None:
    assert {key: graph.get(key) for key in CORE_GRAPH} == CORE_GRAPH
    # Any other asset (reports, sources, ...) hangs off the core: it builds on raw/documents, transitively.
    def upstream(key: str) -> set[str]:
        seen, todo = set(), [key]
        while todo:
            for parent in graph[todo.pop()]:
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    for key, deps in graph.items():
        assert deps <= set(graph), f"{key} depends on an unknown asset"
        if key != "raw/documents":
            assert "raw/documents" in upstream(key), key
    # The analyst snapshot is published after every other warehouse writer of the night.
    writers = {key for key in graph if key.split("/")[0] in {"raw", "clean", "stories", "claims", "marts", "reports"}
               or key in {"sources/outlets", "sources/run_health"}}
    assert writers - {"marts/analytics_snapshot"} <= upstream("marts/analytics_snapshot")
    for spec in defs.resolve_all_asset_specs():
        assert isinstance(spec.partitions_def, dg.DailyPartitionsDefinition), spec.key
        assert spec.partitions_def.timezone == "UTC"


def test_every_suite_file_is_a_blocking_check_on_its_asset() -> None:
    asset_graph = defs.resolve_asset_graph()
    checks = {key.name: asset_graph.get(key) for key in asset_graph.asset_check_keys}
    suite_files = sorted(EXPECTATIONS_DIR.glob("*.json"))
    assert suite_files
    schema_asset = {"raw": "raw/documents", "clean": "clean/articles", "stories": "stories/stories",
                    "claims": "claims/claims", "reports": "reports/story_reports"}
    for path in suite_files:
        suite = load_suite(path)
        assert suite.check_name in checks, f"{path.name} has no asset check"
        node = checks[suite.check_name]
        assert node.blocking, suite.check_name
        schema = suite.table.split(".")[0]
        if schema in schema_asset:
            assert node.key.asset_key.to_user_string() == schema_asset[schema], suite.check_name


def test_the_nightly_job_materialises_every_asset_by_night() -> None:
    job = defs.resolve_job_def("nightly")
    assert job.partitions_def is not None
    assert job.partitions_def.get_partition_key_for_timestamp(
        dt.datetime(2025, 6, 10, 23, 59, tzinfo=dt.UTC).timestamp()) == "2025-06-10"
    assert set(job.asset_layer.executable_asset_keys) == {s.key for s in defs.resolve_all_asset_specs()}
    assert job.tags.get("dagster/max_retries")  # run retries for a process that died


def test_the_schedule_runs_yesterday_at_two_utc() -> None:
    schedule = defs.resolve_schedule_def("nightly_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.job_name == "nightly"
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2025, 6, 11, 2, 0, tzinfo=dt.UTC),
                                        repository_def=defs.get_repository_def())
    requests = schedule.evaluate_tick(context).run_requests
    assert [r.partition_key for r in requests] == ["2025-06-10"]


def test_the_inbox_sensor_requests_a_run_for_new_files_only(tmp_path, monkeypatch) -> None:
    sensor = defs.resolve_sensor_def("inbox_sensor")
    assert sensor.job_name == "nightly"
    monkeypatch.setenv("WIRETRACE_INBOX", str(tmp_path))
    (tmp_path / "2025-06-08").mkdir()
    (tmp_path / "2025-06-08" / "a.txt").write_text("a new article")
    with dg.build_sensor_context(cursor=None, repository_def=defs.get_repository_def()) as context:
        first = sensor.evaluate_tick(context)
    assert [r.partition_key for r in first.run_requests] == ["2025-06-08"]
    assert first.run_requests[0].job_name in (None, "nightly")

    with dg.build_sensor_context(cursor=first.cursor, repository_def=defs.get_repository_def()) as context:
        unchanged = sensor.evaluate_tick(context)
    assert not unchanged.run_requests and "no new files" in unchanged.skip_message

    newer = tmp_path / "2025-06-09" / "b.html"
    newer.parent.mkdir()
    newer.write_text("<p>another</p>")
    later = (tmp_path / "2025-06-08" / "a.txt").stat().st_mtime_ns + 10**9
    os.utime(newer, ns=(later, later))
    with dg.build_sensor_context(cursor=first.cursor, repository_def=defs.get_repository_def()) as context:
        second = sensor.evaluate_tick(context)
    assert [r.partition_key for r in second.run_requests] == ["2025-06-09"]

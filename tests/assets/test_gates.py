"""Great Expectations gates: a failed critical expectation stops everything downstream in the run, a
later run of a downstream asset alone is refused for that night, and a warning-level failure blocks
nothing. A suite is injected beside the real ones (written to a tmp file, loaded like the others)."""

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.conftest import SAMPLE

NIGHT = "2025-06-10"
RAW, CLEAN = dg.AssetKey(["raw", "documents"]), dg.AssetKey(["clean", "articles"])
INJECTED_CHECK = "raw_documents_injected_suite"


def injected_suite(tmp_path: Path, severity: str):
    """A suite on raw.documents that the seeds fail: none may mention AFP (all five do)."""
    from wiretrace.quality import load_suite

    path = tmp_path / "raw.documents.injected.json"
    path.write_text(json.dumps({"table": "raw.documents", "expectations": [
        {"type": "expect_column_values_to_not_match_regex", "kwargs": {"column": "raw_text", "regex": "AFP"},
         "severity": severity, "why": "injected by the gate test"}]}))
    return load_suite(path)


@pytest.fixture
def with_suite(monkeypatch, tmp_path):
    """Install an injected suite everywhere the gates look for suites; return (assets and checks, suite)."""
    import orchestration.suites as suites
    from assets import ALL_ASSET_MODULES
    from orchestration.gx_checks import build_all_suite_checks, build_suite_check

    real = suites.all_suites()

    def install(severity: str):
        suite = injected_suite(tmp_path, severity)
        monkeypatch.setattr(suites, "all_suites", lambda: (*real, suite))
        return [*dg.load_assets_from_modules(ALL_ASSET_MODULES), *build_all_suite_checks(),
                build_suite_check(suite)], suite

    return install


def materialize(defs_list, selection, warehouse: Path, inbox: Path):
    from orchestration.resources import InboxResource, WarehouseResource

    return dg.materialize(defs_list, selection=selection, partition_key=NIGHT, raise_on_error=False,
                          instance=dg.DagsterInstance.ephemeral(),
                          resources={"warehouse": WarehouseResource(path=str(warehouse), lock_wait_seconds=5),
                                     "inbox": InboxResource(path=str(inbox))})


def materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def started_steps(result) -> set[str]:
    return {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}


def evaluation(result, check_name: str):
    return next(e for e in result.get_asset_check_evaluations() if e.check_name == check_name)


def rows(warehouse: Path, table: str) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table} WHERE ingest_date = ?", [NIGHT]).fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def inbox(tmp_path) -> Path:
    shutil.copytree(SAMPLE, tmp_path / "inbox")
    return tmp_path / "inbox"


@pytest.mark.slow
def test_a_failed_critical_expectation_blocks_downstream_now_and_in_later_runs(with_suite, inbox, tmp_path):
    defs_list, suite = with_suite("critical")
    warehouse = tmp_path / "warehouse.duckdb"
    result = materialize(defs_list, dg.AssetSelection.all(), warehouse, inbox)
    assert not result.success
    assert materialized(result) == {"raw/documents"}
    assert not any(step.startswith(("clean__", "stories__", "claims__", "marts__")) for step in started_steps(result))
    failed = evaluation(result, INJECTED_CHECK)
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.ERROR
    # The offending rows are named in the check's metadata.
    sample_ids = failed.metadata["failures (json)"].value[0]["sample_ids"]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        seed_ids = {r[0] for r in con.execute("SELECT document_id FROM raw.documents").fetchall()}
    finally:
        con.close()
    assert sample_ids and set(sample_ids) <= seed_ids
    assert rows(warehouse, "clean.articles") == 0

    # A later run of clean/articles alone for that night is refused, with the reason.
    later = materialize(defs_list, dg.AssetSelection.assets(CLEAN), warehouse, inbox)
    assert not later.success
    failure = next(e for e in later.all_events if e.is_step_failure).step_failure_data
    assert "Refusing to build clean/articles for 2025-06-10" in failure.user_failure_data.description
    assert INJECTED_CHECK in failure.user_failure_data.metadata["blocked_by"].value
    assert rows(warehouse, "clean.articles") == 0

    # Once the upstream night passes its gates again (here: the suite is relaxed to a warning and raw is
    # rematerialised), the same downstream-only run goes through: the guard reads the latest outcome.
    relaxed, _ = with_suite("warning")
    assert materialize(relaxed, dg.AssetSelection.assets(RAW), warehouse, inbox).success
    assert materialize(relaxed, dg.AssetSelection.assets(CLEAN), warehouse, inbox).success
    assert rows(warehouse, "clean.articles") == 5


@pytest.mark.slow
def test_a_failed_warning_expectation_does_not_block(with_suite, inbox, tmp_path):
    defs_list, _ = with_suite("warning")
    warehouse = tmp_path / "warehouse.duckdb"
    result = materialize(defs_list, dg.AssetSelection.assets(RAW, CLEAN), warehouse, inbox)
    assert result.success
    assert materialized(result) == {"raw/documents", "clean/articles"}
    warned = evaluation(result, INJECTED_CHECK)
    assert not warned.passed and warned.severity == dg.AssetCheckSeverity.WARN
    assert rows(warehouse, "clean.articles") == 5

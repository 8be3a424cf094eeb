"""Rerunning a night yields identical tables; rerunning an earlier night after a later one keeps ids stable.

Tables are compared by checksums computed in SQL over every column but run ids and timestamps
(tests/reliability/helpers.py), so any changed, missing or duplicated row shows.
"""

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.conftest import SAMPLE, run_nightly
from tests.reliability.helpers import mismatches, table_checksums
from wiretrace.export import partition_fingerprints

NIGHT_1, NIGHT_2 = "2025-06-10", "2025-06-11"


def copy_warehouse(source: Path, target: Path) -> Path:
    for suffix in ("", ".wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", f"{target}{suffix}")
    return target


def night_rows(path: Path, query: str, night: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(query, [night]).fetchall()
    finally:
        con.close()


STORY_OF_ARTICLE = """SELECT article_id, story_id, copy_group_id FROM stories.members
                      WHERE ingest_date = ? ORDER BY article_id"""


@pytest.mark.slow
def test_rerunning_a_night_gives_identical_tables(seed_run, tmp_path) -> None:
    assert seed_run["result"].success
    before = table_checksums(seed_run["warehouse"])
    copy = copy_warehouse(seed_run["warehouse"], tmp_path / "warehouse.duckdb")
    rerun = run_nightly(copy, seed_run["inbox"], seed_run["night"])
    assert rerun.success
    after = table_checksums(copy)
    assert mismatches(after, before) == {}
    assert before["raw.documents"][0] == 5 and before["stories.members"][0] == 5
    # The rerun replaced the night: every row now carries the rerun's id, none the first run's.
    con = duckdb.connect(str(copy), read_only=True)
    try:
        assert con.execute("SELECT DISTINCT run_id FROM clean.articles").fetchall() == [(rerun.run_id,)]
    finally:
        con.close()


@pytest.fixture(scope="module")
def two_nights(tmp_path_factory) -> dict:
    """Night 1 (three seeds), then night 2 (the other two, same story), then night 1 again."""
    root = tmp_path_factory.mktemp("two_nights")
    inbox = root / "inbox"
    seeds = sorted(SAMPLE.iterdir())
    for night, files in ((NIGHT_1, seeds[:3]), (NIGHT_2, seeds[3:])):
        (inbox / night).mkdir(parents=True)
        for seed in files:
            shutil.copy(seed, inbox / night / seed.name)
    warehouse = root / "warehouse.duckdb"
    diffs = {}  # the story reports' copy diffs: (made, reused) by the run, and rows kept after it
    exports = {}  # the exports' partitions (written, reused) by the run
    pages = warehouse.parent / "reports"

    def night(name: str, partition: str) -> None:
        result = run_nightly(warehouse, inbox, partition)
        assert result.success
        [event] = [e for e in result.get_asset_materialization_events()
                   if e.asset_key == dg.AssetKey(["reports", "story_reports"])]
        figures = event.step_materialization_data.materialization.metadata
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            kept = con.execute("SELECT count(*) FROM reports.copy_diffs").fetchone()[0]
        finally:
            con.close()
        diffs[name] = (figures["copy diffs made"].value, figures["copy diffs reused"].value, kept)
        [event] = [e for e in result.get_asset_materialization_events()
                   if e.asset_key == dg.AssetKey(["sources", "exports"])]
        figures = event.step_materialization_data.materialization.metadata
        exports[name] = (figures["partitions_written"].value, figures["partitions_reused"].value)

    night("night 1", NIGHT_1)
    night("night 2", NIGHT_2)
    before = {"stories_1": night_rows(warehouse, STORY_OF_ARTICLE, NIGHT_1),
              "stories_2": night_rows(warehouse, STORY_OF_ARTICLE, NIGHT_2),
              "checksums": table_checksums(warehouse),
              "content": table_checksums(warehouse, ignored_columns=frozenset({"ingest_date"})),
              "pages": {p.name: p.read_text(encoding="utf-8") for p in pages.glob("*.html")}}
    night("night 1 again", NIGHT_1)
    return {"warehouse": warehouse, "before": before, "diffs": diffs, "pages": pages, "exports": exports}


@pytest.mark.slow
def test_rerunning_an_earlier_night_after_a_later_one_keeps_story_ids(two_nights) -> None:
    warehouse, before = two_nights["warehouse"], two_nights["before"]
    assert len(before["stories_1"]) == 3 and len(before["stories_2"]) == 2
    # The five seeds are one story: night 2 extends the story night 1 opened.
    assert {s for _, s, _ in before["stories_1"]} == {s for _, s, _ in before["stories_2"]}
    assert night_rows(warehouse, STORY_OF_ARTICLE, NIGHT_1) == before["stories_1"]
    assert night_rows(warehouse, STORY_OF_ARTICLE, NIGHT_2) == before["stories_2"]
    # Every row of every table is the same, ignoring which night it is filed under.
    assert mismatches(table_checksums(warehouse, ignored_columns=frozenset({"ingest_date"})),
                      before["content"]) == {}


@pytest.mark.slow
def test_rerunning_an_earlier_night_leaves_later_nights_rows_in_place(two_nights) -> None:
    assert mismatches(table_checksums(two_nights["warehouse"]), two_nights["before"]["checksums"]) == {}


@pytest.mark.slow
def test_story_pages_reuse_the_copy_diffs_earlier_nights_kept(two_nights) -> None:
    diffs = two_nights["diffs"]
    made_1, reused_1, kept_1 = diffs["night 1"]
    assert made_1 == kept_1 > 0 and reused_1 == 0  # the first night diffs every copy and keeps each diff
    made_2, reused_2, kept_2 = diffs["night 2"]
    assert reused_2 == kept_1 and made_2 == kept_2 - kept_1 > 0  # night 2 diffs only its own copies
    assert diffs["night 1 again"] == (0, kept_2, kept_2)  # the rerun diffs nothing and keeps the rows
    # and the pages it wrote from kept diffs are the pages night 2 wrote
    pages = {p.name: p.read_text(encoding="utf-8") for p in two_nights["pages"].glob("*.html")}
    assert pages == two_nights["before"]["pages"] and pages


@pytest.mark.slow
def test_exports_rewrite_only_changed_partitions_and_end_as_the_warehouse(two_nights) -> None:
    exports = two_nights["exports"]
    assert exports["night 1"][0] > 0 and exports["night 1"][1] == 0  # nothing to keep on the first night
    assert all(written > 0 and reused > 0 for written, reused in (exports["night 2"], exports["night 1 again"]))
    # After the rerun, the export describes the warehouse as it is: every partition's rows and
    # fingerprint are the warehouse's, and its Parquet files hold those rows.
    out = two_nights["warehouse"].with_name("exports")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(two_nights["warehouse"]), read_only=True)
    try:
        differ = []
        for relation in manifest["relations"]:
            schema, name = relation["name"].split(".")
            quoted = f'"{schema}"."{name}"'
            expected = partition_fingerprints(con, quoted, relation["partition_column"])
            stored = {k: (p["rows"], p["fingerprint"]) for k, p in relation["partition_files"].items()}
            if stored != expected:
                differ.append(relation["name"])
            for part in relation["partition_files"].values():
                [parquet] = [out / f for f in part["files"] if f.endswith(".parquet")]
                assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(parquet)]).fetchone()[0] == part["rows"]
        # marts.runs alone moves on: the export's own step, and the steps after it, finish afterwards
        assert differ == ["marts.runs"]
    finally:
        con.close()

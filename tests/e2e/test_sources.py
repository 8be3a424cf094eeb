"""Sources end to end: the outlet directory, counts and provenance on the seeds; a coverage gap over
three nights; exports. Everything is read from what the real assets wrote."""

import json
import os
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO

ECBPLUS = REPO.parent / "shared" / "corpora" / "ecbplus" / "dev.jsonl"


@pytest.fixture(scope="module")
def warehouse(seed_run):
    assert seed_run["result"].success
    con = duckdb.connect(str(seed_run["warehouse"]), read_only=True)
    yield con
    con.close()


def _seed_article(con, stem: str) -> str:
    return con.execute("SELECT document_id FROM raw.documents WHERE source_path LIKE ?", [f"{stem}%"]).fetchone()[0]


def test_directory_holds_the_five_seed_outlets(warehouse):
    rows = warehouse.execute("""
        SELECT outlet_id, id_source, upstream_sources, canonical_url_example, needs_review, display_name
        FROM marts.outlets WHERE article_count > 0 ORDER BY outlet_id""").fetchall()
    outlets = {r[0]: r for r in rows}
    assert len(outlets) == 5
    mt = outlets["themoscowtimes.com"]  # 002: the canonical URL's domain, not the file name
    assert mt[3].startswith("https://www.themoscowtimes.com/2025/06/08/") and mt[5] == "The Moscow Times"
    assert not mt[4]
    elrisala = warehouse.execute("""
        SELECT o.upstream_sources, o.needs_review FROM marts.article_outlets a JOIN marts.outlets o USING (outlet_id)
        WHERE a.article_id = ?""", [_seed_article(warehouse, "000_")]).fetchone()
    assert elrisala == (["economictimes.indiatimes"], True)
    # Every seed article resolves to exactly one outlet of the directory.
    assert warehouse.execute("""SELECT count(*), count(DISTINCT outlet_id), count(outlet_id)
                                FROM marts.article_outlets""").fetchone() == (5, 5, 5)


def test_story_counts_articles_origins_and_outlets(warehouse):
    story = warehouse.execute("SELECT article_count, independent_origins, outlet_count FROM marts.story_sources"
                              ).fetchall()
    # expected.json: one story, copy groups {000,001,002,003} and {004}.
    assert story == [(5, 2, 5)]


def test_claim_sources_recount_what_the_claim_stage_counted(warehouse):
    # the view counts each claim's mentions again, through the outlet directory; the claims stage
    # counted the same articles, copy groups and (here, no aliases) outlets in Python
    total, agreeing, widest = warehouse.execute("""
        SELECT count(*), count(*) FILTER (WHERE s.story_id = c.story_id AND s.article_count = c.article_count
                                          AND s.independent_origins = c.copy_group_count
                                          AND s.outlet_count = c.outlet_count), max(s.article_count)
        FROM claims.claims c LEFT JOIN marts.claim_sources s USING (claim_id)""").fetchone()
    assert total > 0 and agreeing == total
    assert widest == 5  # a claim all five seed copies carry


def test_every_claim_row_joins_a_run_with_versions(warehouse):
    total, joined = warehouse.execute("""
        SELECT count(*), count(r.run_id) FROM claims.claims c
        LEFT JOIN meta.runs r ON r.run_id = c.run_id AND r.asset_key = 'claims/claims'
            AND json_extract_string(r.package_versions, '$.duckdb') IS NOT NULL AND r.config_hash IS NOT NULL""").fetchone()
    assert total > 0 and joined == total
    run = warehouse.execute("SELECT status, package_versions, asset_steps FROM marts.runs").fetchall()
    assert len(run) == 1 and run[0][0] == "succeeded"
    assert "trafilatura" in json.loads(run[0][1]) and "sources/outlets" in run[0][2]
    # Each step's row keeps the time it started: finished strictly later, the steps one after another.
    steps = warehouse.execute("SELECT started_at, finished_at FROM meta.runs ORDER BY started_at").fetchall()
    assert len(steps) >= 9 and all(start < end for start, end in steps)
    assert all(later[0] >= earlier[1] for earlier, later in zip(steps, steps[1:]))


def test_seed_night_health_and_dates(warehouse):
    health = warehouse.execute("SELECT count(*), sum(articles_in), bool_or(coverage_gap) FROM marts.run_health"
                               ).fetchone()
    assert health == (5, 5, False)
    # 000, 001 and 003 carry no date; 004 is dated 13 June, after the 10 June night that ingested it.
    flags = dict(warehouse.execute("SELECT published_date_flag, count(*) FROM marts.article_sources GROUP BY ALL"
                                   ).fetchall())
    assert flags == {"missing": 3, "future": 1, None: 1}


def test_exports_every_marts_relation_as_parquet_and_csv(seed_run, warehouse):
    out = Path(seed_run["warehouse"]).with_name("exports")
    manifest = json.loads((out / "manifest.json").read_text())
    names = {r["name"] for r in manifest["relations"]}
    marts = {f"marts.{n}" for (n,) in warehouse.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'").fetchall()}
    assert names == marts and (out / "DATA_DICTIONARY.md").stat().st_size > 0
    sources = next(r for r in manifest["relations"] if r["name"] == "marts.article_outlets")
    assert sources["partition_column"] == "effective_date"
    con = duckdb.connect()
    back = con.execute(f"SELECT count(*), count(DISTINCT effective_date) FROM read_parquet("
                       f"'{out}/parquet/article_outlets/*/*.parquet', hive_partitioning = true)").fetchone()
    csv_rows = con.execute(f"SELECT count(*) FROM read_csv('{out}/csv/article_outlets/*/*.csv', "
                           "hive_partitioning = true)").fetchone()[0]
    assert back == (5, 2) and csv_rows == 5
    assert sorted(p.name for p in (out / "parquet" / "article_outlets").iterdir()) == [
        "effective_date=2025-06-08", "effective_date=2025-06-10"]


def _write_night(inbox: Path, night: str, outlets: dict[str, list[dict]]) -> None:
    for outlet, docs in outlets.items():
        folder = inbox / night / outlet
        folder.mkdir(parents=True)
        for doc in docs:
            (folder / f"{doc['id']}.txt").write_text(f"{doc['title']}\n\n{doc['text']}\n", encoding="utf-8")


@pytest.mark.slow
def test_outlet_gone_on_night_three_is_a_flagged_gap_and_the_run_still_succeeds(tmp_path):
    import dagster as dg

    from assets import ALL_ASSET_MODULES
    from orchestration.gx_checks import build_all_suite_checks
    from orchestration.resources import InboxResource, WarehouseResource

    docs = [json.loads(line) for line in ECBPLUS.read_text(encoding="utf-8").splitlines()[:200:10]]
    nights = ["2025-06-01", "2025-06-02", "2025-06-03"]
    for i, night in enumerate(nights):
        batch = docs[i * 6:(i + 1) * 6]
        outlets = {"alpha": batch[:3], "beta": batch[3:]} if i < 2 else {"alpha": batch[:3]}
        _write_night(tmp_path / "inbox", night, outlets)
    selection = [dg.AssetKey(k) for k in (["raw", "documents"], ["clean", "articles"], ["stories", "stories"],
                                          ["sources", "outlets"], ["sources", "run_health"])]
    instance = dg.DagsterInstance.ephemeral()
    os.environ.setdefault("WIRETRACE_SNAPSHOT", str(tmp_path / "analytics.duckdb"))
    definitions = [*dg.load_assets_from_modules(ALL_ASSET_MODULES), *build_all_suite_checks()]
    resources = {"warehouse": WarehouseResource(path=str(tmp_path / "w.duckdb"), lock_wait_seconds=5),
                 "inbox": InboxResource(path=str(tmp_path / "inbox"))}
    results = [dg.materialize(definitions, selection=selection, partition_key=night, instance=instance,
                              resources=resources, raise_on_error=False) for night in nights]
    assert all(r.success for r in results)

    checks = {(e.asset_check_key.name, r.dagster_run.tags.get("dagster/partition")): e
              for r in results for e in r.get_asset_check_evaluations()}
    night3 = checks[("marts_run_health_suite", "2025-06-03")]
    assert not night3.passed and night3.severity == dg.AssetCheckSeverity.WARN
    assert checks[("marts_run_health_suite", "2025-06-02")].passed

    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        rows = con.execute("""SELECT ingest_date::VARCHAR, outlet_id, articles_in, trailing_median, coverage_gap
                              FROM marts.run_health ORDER BY ALL""").fetchall()
        failed = con.execute("""SELECT failed FROM meta.check_results WHERE check_name = 'marts_run_health_suite'
                                AND partition_date = '2025-06-03'""").fetchone()[0]
    finally:
        con.close()
    assert ("2025-06-03", "beta", 0, 3.0, True) in rows
    assert ("2025-06-03", "alpha", 3, 3.0, False) in rows
    assert not any(r[4] for r in rows if r[0] != "2025-06-03")
    failure = next(f for f in json.loads(failed) if f["kwargs"].get("column") == "coverage_gap")
    assert failure["severity"] == "warning" and failure["unexpected_count"] == 1

"""The worked analyst questions in sql/queries/ give their checked-in answers on the sample corpus.

Every query runs against the published snapshot (what analysts open) of one nightly run on data/sample
(the session fixture ``seed_run``) and must return exactly sql/queries/expected/<name>.csv. When a stage
changes its output on purpose, regenerate the answers and review the diff:

    WIRETRACE_UPDATE_QUERY_EXPECTED=1 .venv/bin/python -m pytest tests/e2e/test_analyst_queries.py

The README walkthrough's three statements are these files, and the answers are also checked against
the seeds' hand-made answer key (shared/seeds/expected.json) where it says something.
"""

import csv
import datetime as dt
import decimal
import io
import json
import os
import re
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
QUERIES = REPO / "sql" / "queries"
EXPECTED = QUERIES / "expected"
ANSWER_KEY = REPO.parent / "shared" / "seeds" / "expected.json"
# Queries that take parameters are exercised elsewhere (run_summary.sql: `make run`'s summary).
PARAMETERISED = {"run_summary.sql"}
WALKTHROUGH = ["walkthrough_1_stories.sql", "walkthrough_2_story_copies.sql", "walkthrough_3_story_conflicts.sql"]
UPDATE = os.environ.get("WIRETRACE_UPDATE_QUERY_EXPECTED") == "1"

QUERY_FILES = sorted(p for p in QUERIES.glob("*.sql") if p.name not in PARAMETERISED)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | decimal.Decimal):
        return f"{float(value):.4f}".rstrip("0").rstrip(".")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def run_to_csv(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    cursor = con.execute(sql)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([d[0] for d in cursor.description])
    writer.writerows([_cell(v) for v in row] for row in cursor.fetchall())
    return out.getvalue()


def read_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def analyst(seed_run):
    """An analyst's read-only connection to the published snapshot of the seed run."""
    assert seed_run["result"].success, "the nightly run on the sample failed; see the seeds pipeline test"
    con = duckdb.connect(str(seed_run["snapshot"]), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def answer_key() -> dict:
    if not ANSWER_KEY.exists():
        pytest.skip(f"answer key {ANSWER_KEY} not found (shared/ is not beside the repo)")
    return json.loads(ANSWER_KEY.read_text(encoding="utf-8"))


def test_every_query_documents_its_question():
    assert len(QUERY_FILES) >= 6
    for path in QUERY_FILES:
        head = path.read_text(encoding="utf-8").lstrip()
        assert head.startswith("-- Question:"), f"{path.name} must start with a '-- Question:' comment"
        assert (EXPECTED / f"{path.stem}.csv").exists() or UPDATE, f"no expected output for {path.name}"


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_query_gives_expected_answer(analyst, path):
    actual = run_to_csv(analyst, path.read_text(encoding="utf-8"))
    expected_file = EXPECTED / f"{path.stem}.csv"
    if UPDATE:
        expected_file.parent.mkdir(parents=True, exist_ok=True)
        expected_file.write_text(actual, encoding="utf-8")
    expected = expected_file.read_text(encoding="utf-8")
    assert len(read_rows(actual)) > 0, f"{path.name} returned no rows on the sample"
    assert read_rows(actual) == read_rows(expected), (
        f"{path.name} no longer gives sql/queries/expected/{path.stem}.csv; if the change is intended, "
        "regenerate with WIRETRACE_UPDATE_QUERY_EXPECTED=1 and review the diff")


def _stem(file_name: str) -> str:
    return file_name.removesuffix(".txt")


def test_walkthrough_names_every_outlet_of_the_seed_story(analyst, answer_key):
    stories = read_rows(run_to_csv(analyst, (QUERIES / WALKTHROUGH[0]).read_text()))
    expected_outlets = sorted(_stem(m) for m in answer_key["stories"][0]["members"])
    top = stories[0]
    assert json.loads(top["outlets"]) == expected_outlets
    assert int(top["outlet_count"]) == len(expected_outlets)
    copies = read_rows(run_to_csv(analyst, (QUERIES / WALKTHROUGH[1]).read_text()))
    assert sorted(r["outlet"] for r in copies) == expected_outlets
    # Each copy group has exactly one representative, which by definition changed nothing.
    groups = {r["copy_group_id"] for r in copies}
    reps = [r for r in copies if r["is_representative"] == "true"]
    assert len(reps) == len(groups) == int(top["independent_origins"])
    assert all(r["inserted_sentences"] == r["removed_sentences"] == "0" for r in reps)
    # The independent rewrite is its own copy group, never a copy of the wire text.
    rewrite = _stem(answer_key["stories"][0]["copy_groups"][-1][0])
    rewrite_group = next(r["copy_group_id"] for r in copies if r["outlet"] == rewrite)
    assert [r["outlet"] for r in copies if r["copy_group_id"] == rewrite_group] == [rewrite]


def test_walkthrough_finds_the_answer_key_conflict(analyst, answer_key):
    conflicts = read_rows(run_to_csv(analyst, (QUERIES / WALKTHROUGH[2]).read_text()))
    for conflict in answer_key["claims"]["conflicts"]:
        wanted = {value: {_stem(a) for a in arts} for value, arts in conflict["values"].items()}
        found = [r for r in conflicts
                 if {r["value_a"], r["value_b"]} == set(wanted)
                 and wanted[r["value_a"]] == {r["outlet_a"]} and wanted[r["value_b"]] == {r["outlet_b"]}]
        assert found, f"walkthrough step 3 misses the conflict on {conflict['what']}: {wanted}"
    # Spelling variants the answer key says are not conflicts never show up as one.
    pairs = {frozenset((r["value_a"], r["value_b"])) for r in conflicts}
    assert frozenset(("Lugansk", "Luhansk")) not in pairs
    assert frozenset(("1,200", "1200")) not in pairs


def _readme_sql_blocks(section: str) -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", readme, flags=re.S | re.M)
    assert match, f"README has no '## {section}' section"
    return re.findall(r"```sql\n(.*?)```", match.group(1), flags=re.S)


def _statement(sql: str) -> str:
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return " ".join(body.split()).rstrip(";")


def test_readme_walkthrough_is_the_tested_sql(analyst):
    blocks = _readme_sql_blocks("For analysts")
    statements = [_statement(b) for b in blocks]
    for name in WALKTHROUGH:
        wanted = _statement((QUERIES / name).read_text(encoding="utf-8"))
        assert wanted in statements, f"README 'For analysts' does not show {name} verbatim"
    # And every SQL block of the section runs against the snapshot.
    for block in blocks:
        analyst.execute(block).fetchall()

"""docs/DATA_DICTIONARY.md is generated from the SQL comments and must match a fresh generation."""

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "gen_data_dictionary.py"


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("gen_data_dictionary", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_checked_in_dictionary_is_fresh(gen):
    fresh = gen.generate()
    current = gen.OUTPUT.read_text(encoding="utf-8")
    assert current == fresh, (
        "docs/DATA_DICTIONARY.md differs from the comments in sql/ddl and sql/marts: run `make docs` "
        "(python scripts/gen_data_dictionary.py) and commit the result")


def test_every_table_and_view_is_described(gen):
    con = gen.build_catalog()
    try:
        undescribed = con.execute(
            "SELECT schema_name || '.' || name FROM (" + gen.RELATIONS_SQL + ") WHERE coalesce(comment, '') = ''"
        ).fetchall()
        assert undescribed == []
        # Tables: every column described (views inherit no comments; the stories marts views set theirs).
        bare = con.execute(
            """SELECT c.schema_name || '.' || c.table_name || '.' || c.column_name
               FROM duckdb_columns() c JOIN duckdb_tables() t USING (schema_name, table_name)
               WHERE coalesce(c.comment, '') = '' AND NOT c.internal""").fetchall()
        assert bare == []
        views = ["stories", "story_members", "story_copies", "daily_outlet_volume"]
        bare_view_columns = con.execute(
            "SELECT table_name || '.' || column_name FROM duckdb_columns() WHERE schema_name = 'marts' "
            "AND table_name IN (SELECT unnest($views)) AND coalesce(comment, '') = ''", {"views": views}).fetchall()
        assert bare_view_columns == []
    finally:
        con.close()


def test_dictionary_lists_the_analyst_views_first(gen):
    text = gen.generate()
    for name in ["marts.stories", "marts.story_copies", "marts.daily_outlet_volume", "clean.articles",
                 "claims.conflicts"]:
        assert f"### `{name}`" in text
    assert text.index("## Schema `marts`") < text.index("## Schema `raw`")
    assert "| `independent_origins` | BIGINT | yes | Distinct copy groups" in text


def test_check_mode_detects_a_stale_file(gen, tmp_path):
    stale = tmp_path / "DICT.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert gen.main(["--check", "--output", str(stale)]) == 1
    assert gen.main(["--output", str(stale)]) == 0
    assert gen.main(["--check", "--output", str(stale)]) == 0

"""No SQL is assembled from data: every query text is a constant or a .sql file, values go as parameters.

The scan walks the AST of the production code for calls that run SQL and flags a query argument built
by an f-string, str.format, % or + from anything but constants. The few places that must put an
identifier into SQL are allowed by name, each for a reason (the identifier never comes from data).
A second test sends SQL-looking text through the writer as data.
"""

import ast
import datetime as dt
from pathlib import Path

import polars as pl

from wiretrace import warehouse

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("wiretrace", "orchestration", "assets")
SQL_CALLS = {"execute", "executemany", "sql", "query", "query_frame", "query_df", "from_query"}
# (file, function) -> why a built query text is safe there.
ALLOWED = {
    ("wiretrace/warehouse.py", "replace_partition"):
        "table names pass _checked_identifier (schema.table from our own TableWrite list); delete_where is a "
        "constant of the calling asset with $parameters; views are _incoming_<n>",
    ("wiretrace/quality.py", "suite_frame"):
        "table name from a checked-in expectations/*.json, validated as schema.table identifiers",
    ("wiretrace/snapshot.py", "publish_snapshot"): "database name from SELECT current_database()",
    ("wiretrace/export.py", "_export_one"):
        "COPY TO takes no parameters: relation names come from the catalog (quoted by _quote), the target "
        "folder from the export setting (quoted by _literal)",
    ("wiretrace/export.py", "partition_fingerprints"):
        "as _export_one: a relation name from the catalog (quoted by _quote) or the constant temp table, "
        "a partition column from the catalog (quoted by _quote)",
    ("wiretrace/export.py", "_copy_partitions"):
        "as partition_fingerprints, and the target folder from the export setting (_literal); the partitions to "
        "write go in as a parameter (temp._export_partitions)",
}


def _is_constant_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_constant_text(node.left) and _is_constant_text(node.right)
    return False


def _built_from_values(node: ast.AST) -> bool:
    """True when the query text is assembled at run time from something other than constants."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return not _is_constant_text(node)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"format", "join"}:
        return True
    return False


def _enclosing_functions(tree: ast.Module) -> dict[ast.AST, ast.AST]:
    """Each node -> its innermost enclosing function (or the module)."""
    owner: dict[ast.AST, ast.AST] = {}

    def visit(node: ast.AST, scope: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            owner[child] = scope
            visit(child, child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else scope)

    visit(tree, tree)
    return owner


def find_built_queries() -> list[tuple[str, str, int]]:
    """(file, function, line) of every SQL call whose query text is built at run time.

    Module-level constants composed from other constants (f-strings over SQL constants) are fixed text;
    local names assigned from a built string are followed (``query = f"..."; con.execute(query)``).
    """
    found = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            relative = path.relative_to(REPO).as_posix()
            owner = _enclosing_functions(tree)
            built_names: dict[ast.AST, set[str]] = {}
            for node, scope in owner.items():
                if isinstance(node, ast.Assign) and not isinstance(scope, ast.Module) and _built_from_values(node.value):
                    built_names.setdefault(scope, set()).update(t.id for t in node.targets if isinstance(t, ast.Name))
            for call, scope in owner.items():
                if not isinstance(call, ast.Call) or not call.args or isinstance(scope, ast.Module):
                    continue
                name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
                if name not in SQL_CALLS:
                    continue
                query = call.args[1] if name == "query_frame" and len(call.args) > 1 else call.args[0]
                if _built_from_values(query) or (isinstance(query, ast.Name)
                                                 and query.id in built_names.get(scope, set())):
                    found.append((relative, scope.name, call.lineno))
    return sorted(set(found))


def test_no_sql_is_built_from_data() -> None:
    found = find_built_queries()
    unexpected = [f for f in found if (f[0], f[1]) not in ALLOWED]
    assert unexpected == [], f"SQL built by string formatting outside the allow-list: {unexpected}"
    # The allow-list is kept honest: each entry still matches real code.
    assert {(f[0], f[1]) for f in found} == {a for a in ALLOWED if (REPO / a[0]).exists()}


def test_the_scan_catches_formatted_sql() -> None:
    source = "def f(con, name):\n    q = f\"SELECT * FROM t WHERE n = '{name}'\"\n    con.execute(q)\n" \
             "    con.execute('SELECT %s' % name)\n    con.execute('SELECT ' + name)\n" \
             "    con.execute('SELECT {}'.format(name))\n    con.execute('SELECT ? ', [name])\n"
    tree = ast.parse(source)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "execute"]
    built = {"q"}
    flagged = [c.lineno for c in calls if _built_from_values(c.args[0])
               or (isinstance(c.args[0], ast.Name) and c.args[0].id in built)]
    assert flagged == [3, 4, 5, 6]


def test_sql_lookalike_text_is_stored_as_data(tmp_path) -> None:
    nasty = "x'); DROP TABLE raw.documents; --"
    con = warehouse.connect(tmp_path / "w.duckdb")
    try:
        warehouse.ensure_schema(con)
        frame = pl.DataFrame({
            "reject_id": ["r1"], "source_path": [f"{nasty}.txt"], "record_index": [0], "reason_code": ["empty"],
            "reason": [nasty], "byte_size": [0], "content_sha256": [None],
            "ingest_date": [dt.date(2025, 6, 10)], "run_id": [nasty],
        })
        warehouse.replace_partition(con, "2025-06-10", [warehouse.TableWrite("raw.rejects", frame)])
        warehouse.replace_partition(con, "2025-06-10", [warehouse.TableWrite("raw.rejects", frame)])
        assert con.execute("SELECT source_path, reason, run_id FROM raw.rejects").fetchall() == [
            (f"{nasty}.txt", nasty, nasty)]
        assert con.execute("SELECT count(*) FROM raw.documents").fetchone() == (0,)  # still there
    finally:
        con.close()

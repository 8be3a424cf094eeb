"""Export every marts view and table as Parquet and CSV, uncapped, in hive-style date folders.

    python -m wiretrace.export [--warehouse data/analytics.duckdb] [--out data/exports]

Layout: ``<out>/parquet/<view>/<date column>=<YYYY-MM-DD>/data_0.parquet`` and the same under ``csv/``,
``DATA_DICTIONARY.md`` beside them and ``manifest.json`` (rows, partition column and files per view).
Each relation is partitioned by its publication date column (the first of PARTITION_COLUMNS it has);
rows without a date land in ``<column>=__HIVE_DEFAULT_PARTITION__``; a relation with no date column is
one unpartitioned file. The export is written to a temporary folder and swapped in whole, so a reader
never sees half of one export and half of another. By default it reads the published analyst snapshot,
never the live warehouse, so exporting does not block a nightly run.
"""

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from wiretrace.warehouse import REPO_ROOT, connect

# Publication date first (effective_date = publication date where plausible), then story/group dates,
# then the night as the last resort.
PARTITION_COLUMNS = ("effective_date", "published_date", "publication_date", "first_seen", "first_published",
                     "date", "night", "ingest_date")
DATA_DICTIONARY = REPO_ROOT / "docs" / "DATA_DICTIONARY.md"
DEFAULT_SNAPSHOT = "data/analytics.duckdb"
DEFAULT_OUT = "data/exports"
SCHEMA = "marts"


@dataclass
class ExportedRelation:
    name: str
    kind: str  # view | table
    rows: int
    partition_column: str | None
    partitions: int
    parquet: str
    csv: str


def marts_relations(con: duckdb.DuckDBPyConnection, schema: str = SCHEMA) -> list[tuple[str, str]]:
    rows = con.execute(
        "SELECT table_name, CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END "
        "FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name", [schema]).fetchall()
    return [(name, kind) for name, kind in rows]


def _columns(con, schema: str, name: str) -> dict[str, str]:
    rows = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                       "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position", [schema, name]).fetchall()
    return dict(rows)


def _partition_column(columns: dict[str, str]) -> str | None:
    for candidate in PARTITION_COLUMNS:
        if columns.get(candidate) in ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"):
            return candidate
    return None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export_marts(con: duckdb.DuckDBPyConnection, out: str | os.PathLike, *,
                 dictionary: Path | None = DATA_DICTIONARY, schema: str = SCHEMA) -> list[ExportedRelation]:
    """Write every relation of ``schema`` under ``out`` (replacing the previous export whole)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    exported = []
    try:
        for name, kind in marts_relations(con, schema):
            exported.append(_export_one(con, schema, name, kind, staging))
        _write_dictionary(con, schema, staging, dictionary)
        manifest = {"exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "schema": schema, "relations": [asdict(e) for e in exported]}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return exported


def _export_one(con, schema: str, name: str, kind: str, staging: Path) -> ExportedRelation:
    columns = _columns(con, schema, name)
    part = _partition_column(columns)
    relation = f"{_quote(schema)}.{_quote(name)}"
    if kind != "view":
        return _write_relation(con, schema, name, kind, relation, part, staging)
    # A view is computed once into a temporary table (allowed on a read-only connection), not once for
    # the row count and again for each format: claim_sources took 4.8 s of an 11 s export that way.
    con.execute(f"CREATE OR REPLACE TEMP TABLE _export_rows AS SELECT * FROM {relation}")
    try:
        return _write_relation(con, schema, name, kind, "temp._export_rows", part, staging)
    finally:
        con.execute("DROP TABLE IF EXISTS temp._export_rows")


def _write_relation(con, schema: str, name: str, kind: str, relation: str, part: str | None,
                    staging: Path) -> ExportedRelation:
    rows = con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
    targets = {}
    for fmt, options in (("parquet", "FORMAT parquet, COMPRESSION zstd"), ("csv", "FORMAT csv, HEADER true")):
        folder = staging / fmt / name
        folder.mkdir(parents=True)
        if part and rows:
            # PARTITION_BY moves the column into the folder name; readers get it back with hive_partitioning.
            con.execute(f"COPY (SELECT * FROM {relation}) TO {_literal(folder)} "
                        f"({options}, PARTITION_BY ({_quote(part)}), OVERWRITE_OR_IGNORE true)")
        else:
            con.execute(f"COPY (SELECT * FROM {relation}) TO {_literal(folder / f'data_0.{fmt}')} ({options})")
        targets[fmt] = str(Path(fmt) / name)
    partitions = sum(1 for p in (staging / "parquet" / name).iterdir() if p.is_dir()) if part and rows else 0
    # An empty relation is one empty file (no folders to write), so readers still get its columns.
    return ExportedRelation(name=f"{schema}.{name}", kind=kind, rows=rows, partition_column=part if rows else None,
                            partitions=partitions, parquet=targets["parquet"], csv=targets["csv"])


def _write_dictionary(con, schema: str, staging: Path, dictionary: Path | None) -> None:
    if dictionary is not None and Path(dictionary).is_file():
        shutil.copyfile(dictionary, staging / "DATA_DICTIONARY.md")
        return
    # No generated dictionary in the repo yet: describe the exported relations from the warehouse itself.
    lines = [f"# Data dictionary ({schema}, from warehouse comments)", ""]
    for name, _kind in marts_relations(con, schema):
        comment = con.execute("SELECT comment FROM duckdb_views() WHERE schema_name = ? AND view_name = ? "
                              "UNION ALL SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                              [schema, name, schema, name]).fetchone()
        lines += [f"## {schema}.{name}", "", (comment[0] if comment and comment[0] else "(no description)"), "",
                  "| column | type | description |", "|---|---|---|"]
        for col, typ, text in con.execute(
                "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                "ORDER BY column_index", [schema, name]).fetchall():
            lines.append(f"| {col} | {typ} | {(text or '').replace('|', '/')} |")
        lines.append("")
    (staging / "DATA_DICTIONARY.md").write_text("\n".join(lines), encoding="utf-8")


def _swap_in(staging: Path, out: Path) -> None:
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wiretrace.export", description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", default=os.environ.get("WIRETRACE_SNAPSHOT", DEFAULT_SNAPSHOT),
                        help="DuckDB file to read, opened read-only (default: the published analyst snapshot)")
    parser.add_argument("--out", default=os.environ.get("WIRETRACE_EXPORTS", DEFAULT_OUT))
    args = parser.parse_args(argv)
    if not Path(args.warehouse).is_file():
        print(f"{args.warehouse} does not exist: run `make run` first (it publishes the snapshot).", file=sys.stderr)
        return 1
    con = connect(args.warehouse, read_only=True)
    try:
        exported = export_marts(con, args.out)
    finally:
        con.close()
    width = max((len(e.name) for e in exported), default=10)
    for e in exported:
        print(f"  {e.name:<{width}}  {e.rows:>9} rows  {e.partitions:>5} partitions by {e.partition_column or '-'}")
    print(f"exported {len(exported)} relations to {args.out} (parquet/, csv/, DATA_DICTIONARY.md, manifest.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

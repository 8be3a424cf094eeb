"""Export every marts view and table as Parquet and CSV, uncapped, in hive-style date folders.

    python -m wiretrace.export [--warehouse data/analytics.duckdb] [--out data/exports]

Layout: ``<out>/parquet/<view>/<date column>=<YYYY-MM-DD>/data_0.parquet`` and the same under ``csv/``,
``DATA_DICTIONARY.md`` beside them and ``manifest.json`` (rows, partition column and files per view).
Each relation is partitioned by its publication date column (the first of PARTITION_COLUMNS it has);
rows without a date land in ``<column>=__HIVE_DEFAULT_PARTITION__``; a relation with no date column is
one unpartitioned file. The export is written to a temporary folder and swapped in whole, so a reader
never sees half of one export and half of another; a partition whose rows (count and sum of row hashes)
and layout match the previous export's manifest keeps that export's files, hard-linked. By default it
reads the published analyst snapshot, never the live warehouse, so exporting does not block a nightly run.
"""

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import urllib.parse
from dataclasses import asdict, dataclass, field
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
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"  # DuckDB's folder for rows without a date
FORMATS = (("parquet", "FORMAT parquet, COMPRESSION zstd"), ("csv", "FORMAT csv, HEADER true"))
EXPORT_LAYOUT = 1  # bump when FORMATS or the file layout change: no earlier export's file is then reused


@dataclass
class ExportedRelation:
    name: str
    kind: str  # view | table
    rows: int
    partition_column: str | None
    partitions: int
    parquet: str
    csv: str
    written: int = 0  # partitions (or the one file) written by this export
    reused: int = 0  # partitions whose rows are those of the previous export: its files, linked
    layout: str = ""  # columns, types and file options: partitions are reused only under the same layout
    # partition value as its folder names it ("" for an unpartitioned relation) -> rows, fingerprint of the
    # rows (count and sum of row hashes: order-free) and files (relative to the export root)
    partition_files: dict[str, dict] = field(default_factory=dict)


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
    """Write every relation of ``schema`` under ``out`` (replacing the previous export whole).

    A partition whose rows equal the previous export's (same layout, same count and sum of row hashes)
    keeps that export's files, hard-linked into the new one: a night rewrites the dates it changed, not
    the warehouse."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    previous = _previous_export(out)
    exported = []
    try:
        for name, kind in marts_relations(con, schema):
            exported.append(_export_one(con, schema, name, kind, staging, out, previous.get(f"{schema}.{name}")))
        _write_dictionary(con, schema, staging, dictionary)
        manifest = {"exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "schema": schema, "relations": [asdict(e) for e in exported]}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return exported


def _previous_export(out: Path) -> dict[str, dict]:
    """Relation name -> its manifest entry in the export at ``out`` (none when there is no readable one)."""
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        return {r["name"]: r for r in manifest["relations"] if r.get("partition_files")}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _export_one(con, schema: str, name: str, kind: str, staging: Path, out: Path,
                previous: dict | None) -> ExportedRelation:
    columns = _columns(con, schema, name)
    relation = f"{_quote(schema)}.{_quote(name)}"
    if kind != "view":
        return _write_relation(con, schema, name, kind, relation, columns, staging, out, previous)
    # A view is computed once into a temporary table (allowed on a read-only connection), not once for
    # the fingerprints and again for each format: claim_sources took 4.8 s of an 11 s export that way.
    con.execute(f"CREATE OR REPLACE TEMP TABLE _export_rows AS SELECT * FROM {relation}")
    try:
        return _write_relation(con, schema, name, kind, "temp._export_rows", columns, staging, out, previous)
    finally:
        con.execute("DROP TABLE IF EXISTS temp._export_rows")


def _write_relation(con, schema: str, name: str, kind: str, relation: str, columns: dict[str, str], staging: Path,
                    out: Path, previous: dict | None) -> ExportedRelation:
    """Write one relation (``relation``: what to read it from) into ``staging``, linking the partitions of
    ``previous`` (its entry in the export at ``out``) whose rows did not change."""
    part = _partition_column(columns)
    layout = json.dumps([EXPORT_LAYOUT, list(columns.items()), part])
    fingerprints = partition_fingerprints(con, relation, part)
    rows = sum(n for n, _ in fingerprints.values())
    if not rows:
        part = None  # an empty relation is one empty file (no folders to write): readers still get its columns
    old = previous["partition_files"] if previous and previous.get("layout") == layout else {}
    files: dict[str, list[str]] = {}
    for key, (_, fingerprint) in fingerprints.items():
        if old.get(key, {}).get("fingerprint") == fingerprint and _link_files(out, staging, old[key]["files"]):
            files[key] = old[key]["files"]
    reused = len(files)
    todo = [key for key in fingerprints if key not in files]
    if todo:
        files.update(_copy_partitions(con, name, relation, part, None if len(todo) == len(fingerprints) else todo,
                                      staging))
    missing = set(fingerprints) - set(files)
    if missing:  # the folders DuckDB named must map back to the partition values, or nothing can be reused
        raise RuntimeError(f"export of {schema}.{name}: no files for partitions {sorted(missing)[:5]}")
    return ExportedRelation(
        name=f"{schema}.{name}", kind=kind, rows=rows, partition_column=part,
        partitions=len(fingerprints) if part else 0, parquet=str(Path("parquet") / name),
        csv=str(Path("csv") / name), written=len(todo), reused=reused, layout=layout,
        partition_files={key: {"rows": n, "fingerprint": fp, "files": sorted(files[key])}
                         for key, (n, fp) in sorted(fingerprints.items())})


def _partition_key(column: str) -> str:
    """SQL for the partition value as DuckDB names its hive folder (NULL: the default partition)."""
    return f"coalesce(CAST({_quote(column)} AS VARCHAR), '{NULL_PARTITION}')"


def partition_fingerprints(con, relation: str, part: str | None) -> dict[str, tuple[int, str]]:
    """Partition value -> (rows, "rows:sum of row hashes"), one scan of the relation; an empty relation
    is one empty unpartitioned file, ``{"": (0, "0:0")}``."""
    key = _partition_key(part) if part else "''"
    found = con.execute(f"SELECT {key} AS partition_value, count(*), sum(hash(r)) FROM {relation} AS r "
                        "GROUP BY ALL").fetchall()
    return {value: (n, f"{n}:{total}") for value, n, total in found if n} or {"": (0, "0:0")}


def _copy_partitions(con, name: str, relation: str, part: str | None, only: list[str] | None,
                     staging: Path) -> dict[str, list[str]]:
    """Write the relation's rows (only the listed partitions' when given) in both formats; partition
    value -> the files written, relative to the export root."""
    source = f"SELECT * FROM {relation}"
    if only is not None:
        con.execute("CREATE OR REPLACE TEMP TABLE _export_partitions AS SELECT unnest(?::VARCHAR[]) AS value",
                    [only])
        source += f" WHERE {_partition_key(part)} IN (SELECT value FROM temp._export_partitions)"
    files: dict[str, list[str]] = {}
    for fmt, options in FORMATS:
        folder = staging / fmt / name
        folder.mkdir(parents=True, exist_ok=True)
        if part:
            # PARTITION_BY moves the column into the folder name; readers get it back with hive_partitioning.
            written = con.execute(f"COPY ({source}) TO {_literal(folder)} ({options}, PARTITION_BY "
                                  f"({_quote(part)}), OVERWRITE_OR_IGNORE true, RETURN_FILES true)").fetchall()
            for path in written[0][1]:
                folder_name = Path(path).parent.name
                value = urllib.parse.unquote(folder_name.partition("=")[2])
                files.setdefault(value, []).append(Path(path).relative_to(staging).as_posix())
        else:
            target = folder / f"data_0.{fmt}"
            con.execute(f"COPY ({source}) TO {_literal(target)} ({options})")
            files.setdefault("", []).append(target.relative_to(staging).as_posix())
    con.execute("DROP TABLE IF EXISTS temp._export_partitions")
    return files


def _link_files(out: Path, staging: Path, files: list[str]) -> bool:
    """Hard-link the previous export's files into the new one (a copy where links are not possible);
    False, with nothing left behind, when one of them is gone (another export swapped it out)."""
    made = []
    try:
        for relative in files:
            source, target = out / relative, staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, target)
            except OSError as error:
                if not source.exists():
                    raise FileNotFoundError(source) from error
                shutil.copy2(source, target)  # a file system without hard links
            made.append(target)
    except FileNotFoundError:
        for target in made:
            target.unlink(missing_ok=True)
        return False
    return True


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

"""Great Expectations suites over warehouse tables, without Dagster.

A suite is a JSON file in ``expectations/`` (one per table). Each expectation names a GX 1.x core
expectation in snake_case, its kwargs, a severity (``critical`` blocks downstream assets, ``warning`` only
reports) and why it exists. The frame validated is the partition's rows of the table (filed under the
night, or written by the run being gated: claims of a story are filed under its latest night even when an
earlier night's run recomputes them), or the result of a SELECT file for rules that span tables. Frames
are pulled from DuckDB into pandas and validated with an ephemeral GX context: GX's SQL datasource over duckdb-engine returns empty results (DESIGN.md).
"""

import json
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from wiretrace.warehouse import REPO_ROOT, sql_file

EXPECTATIONS_DIR = REPO_ROOT / "expectations"
SEVERITIES = ("critical", "warning")
SAMPLE_SIZE = 10
# Columns that identify a row, tried in order, to name offending rows in check metadata.
ID_COLUMNS = ("article_id", "document_id", "claim_id", "quote_id", "story_id", "copy_group_id", "reject_id")


@dataclass(frozen=True)
class Suite:
    table: str
    frame: dict[str, str]
    expectations: list[dict[str, Any]]
    path: Path

    @property
    def columns(self) -> set[str] | None:
        """Columns the expectations name (a row count names none); None when one reads the table's
        columns themselves (expect_table_columns_to_match_set and the like), which needs them all."""
        names = set()
        for exp in self.expectations:
            if exp["type"].startswith(("expect_table_column", "expect_table_columns")):
                return None
            kwargs = exp.get("kwargs", {})
            names.update(kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs)
            names.update(kwargs.get("column_list", ()))
        return names

    @property
    def check_name(self) -> str:
        # From the file name: a table may have several suites (its rows, and cross-table frames).
        return self.path.stem.replace(".", "_") + "_suite"


@dataclass
class SuiteOutcome:
    suite: Suite
    evaluated: int
    rows: int
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def critical_passed(self) -> bool:
        return not any(f["severity"] == "critical" for f in self.failures)

    @property
    def warning_passed(self) -> bool:
        return not any(f["severity"] == "warning" for f in self.failures)


def load_suite(path: Path) -> Suite:
    spec = json.loads(path.read_text(encoding="utf-8"))
    expectations = spec["expectations"]
    for exp in expectations:
        if exp.get("severity") not in SEVERITIES:
            raise ValueError(f"{path.name}: expectation {exp.get('type')} needs severity in {SEVERITIES}")
        try:  # fail at load time on a typo or a wrong argument, not mid-run
            _expectation_class(exp["type"])(**exp.get("kwargs", {}))
        except ValueError:
            raise
        except Exception as exc:
            raise ValueError(f"{path.name}: {exp['type']} {exp.get('kwargs')}: {exc}") from None
    return Suite(table=spec["table"], frame=spec.get("frame", {"table": spec["table"]}),
                 expectations=expectations, path=path)


def load_suites(directory: Path = EXPECTATIONS_DIR) -> list[Suite]:
    return [load_suite(p) for p in sorted(directory.glob("*.json"))]


def _expectation_class(snake_name: str):
    import great_expectations as gx

    class_name = "".join(part.capitalize() for part in snake_name.split("_"))
    try:
        return getattr(gx.expectations, class_name)
    except AttributeError:
        raise ValueError(f"unknown Great Expectations expectation {snake_name!r}") from None


def suite_frame(con: duckdb.DuckDBPyConnection, suite: Suite, partition: str, run_id: str | None = None):
    """The rows a suite validates, as a pandas DataFrame: the partition's and those ``run_id`` wrote."""
    if "sql" in suite.frame:
        query = sql_file(suite.frame["sql"].removeprefix("sql/"))
    else:
        table = suite.frame["table"]
        if table.count(".") != 1 or not all(p.isidentifier() for p in table.split(".")):
            raise ValueError(f"{suite.path.name}: bad table name {table!r}")
        # Only the columns the expectations read (and the id that names offending rows): pulling every
        # column of a wide table into pandas (list columns become object arrays) cost most of a check.
        schema_name, table_name = table.split(".")
        present = [name for (name,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = $schema "
            "AND table_name = $name ORDER BY ordinal_position", {"schema": schema_name, "name": table_name}).fetchall()]
        named = suite.columns
        wanted = None if named is None else named | set([c for c in ID_COLUMNS if c in present][:1])
        selected = [name for name in present if name in wanted] if wanted else ["*"]
        select = ", ".join(c if c == "*" else _quote_identifier(c) for c in selected)
        query = f"SELECT {select} FROM {table} WHERE ingest_date = $partition OR run_id = $run_id"
    params = {name: value for name, value in (("partition", partition), ("run_id", run_id)) if f"${name}" in query}
    return con.execute(query, params).df()


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@cache
def _gx_batch_definition():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every pandas batch below HASH_THRESHOLD bytes (md5 over pandas' row hashes) as a
    # batch marker, which nothing here reads. On DuckDB's Arrow-backed columns that hashing was 8.8 s of
    # the 22.4 s the suites took on a ten-night bench night (3.8M offsets rows, 2M mentions): skip it.
    # tests/unit/core/test_quality.py fails if a GX release fingerprints by another path.
    pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # no tqdm noise in run logs
    asset = context.data_sources.add_pandas("wiretrace").add_dataframe_asset(name="frame")
    return context, asset.add_batch_definition_whole_dataframe("whole")


def validate_frame(suite: Suite, frame) -> SuiteOutcome:
    """Run every expectation of the suite on a pandas DataFrame."""
    import great_expectations as gx

    context, batch_definition = _gx_batch_definition()
    gx_suite = gx.ExpectationSuite(name=f"{suite.check_name}")
    for index, exp in enumerate(suite.expectations):
        # GX does not keep the suite's order in its results: tag each expectation to map results back.
        gx_suite.add_expectation(_expectation_class(exp["type"])(**exp.get("kwargs", {}),
                                                                 meta={"wiretrace_index": index}))
    id_column = next((c for c in ID_COLUMNS if c in frame.columns), None)  # names the sample rows
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    # SUMMARY: the counts and the first unexpected values with their row index, named by id below. GX's
    # own naming (COMPLETE + unexpected_index_column_names) builds a dict for every unexpected row, ~110 us
    # each: 11.8 s of the quotes suite on a ten-night bench night, for the 101k quotes without a speaker.
    result = batch.validate(gx_suite, result_format={"result_format": "SUMMARY"})
    failures = []
    for res in result.results:
        spec = suite.expectations[res.expectation_config.meta["wiretrace_index"]]
        if res.success:
            continue
        details = res.result or {}
        rows = (details.get("partial_unexpected_index_list") or [])[:SAMPLE_SIZE]
        sample_ids = [str(frame.at[row, id_column]) for row in rows] if id_column else []
        failures.append({
            "type": spec["type"],
            "kwargs": spec.get("kwargs", {}),
            "severity": spec["severity"],
            "why": spec.get("why", ""),
            "unexpected_count": details.get("unexpected_count"),
            "observed_value": _jsonable(details.get("observed_value")),
            "sample_values": [_jsonable(v) for v in (details.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]],
            "sample_ids": sample_ids,
            "exception": (res.exception_info or {}).get("exception_message")
            if isinstance(res.exception_info, dict) else None,
        })
    return SuiteOutcome(suite=suite, evaluated=len(suite.expectations), rows=len(frame), failures=failures)


def validate(con: duckdb.DuckDBPyConnection, suite: Suite, partition: str, run_id: str | None = None) -> SuiteOutcome:
    return validate_frame(suite, suite_frame(con, suite, partition, run_id))


def _jsonable(value):
    try:
        json.dumps(value)
        return value
    except TypeError:
        return str(value)

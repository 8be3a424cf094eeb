import json

import pandas as pd
import pytest

from wiretrace.quality import load_suite, validate_frame


def write_suite(tmp_path, expectations):
    path = tmp_path / "t.items.json"
    path.write_text(json.dumps({"table": "t.items", "expectations": expectations}))
    return load_suite(path)


def test_failures_carry_severity_and_offending_ids(tmp_path):
    suite = write_suite(tmp_path, [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "body"}, "severity": "critical", "why": "w1"},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "share", "min_value": 0.1, "max_value": 1.0},
         "severity": "warning", "why": "w2"},
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "article_id"}, "severity": "critical", "why": "w3"},
    ])
    frame = pd.DataFrame({"article_id": ["a1", "a2", "a3"], "body": ["x", None, "y"], "share": [0.5, 0.9, 0.01]})
    outcome = validate_frame(suite, frame)
    assert not outcome.critical_passed and not outcome.warning_passed
    by_type = {f["type"]: f for f in outcome.failures}
    assert set(by_type) == {"expect_column_values_to_not_be_null", "expect_column_values_to_be_between"}
    assert by_type["expect_column_values_to_not_be_null"]["sample_ids"] == ["a2"]
    assert by_type["expect_column_values_to_be_between"]["sample_ids"] == ["a3"]
    assert by_type["expect_column_values_to_be_between"]["severity"] == "warning"


def test_warning_only_failure_keeps_critical_passed(tmp_path):
    suite = write_suite(tmp_path, [
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "share", "max_value": 0.5}, "severity": "warning"},
    ])
    outcome = validate_frame(suite, pd.DataFrame({"share": [0.9]}))
    assert outcome.critical_passed and not outcome.warning_passed


def test_suite_with_unknown_expectation_or_severity_is_refused_at_load(tmp_path):
    with pytest.raises(ValueError, match="unknown Great Expectations"):
        write_suite(tmp_path, [{"type": "expect_the_moon", "severity": "critical"}])
    with pytest.raises(ValueError, match="severity"):
        write_suite(tmp_path, [{"type": "expect_column_to_exist", "kwargs": {"column": "a"}, "severity": "fatal"}])


def test_failures_map_to_their_own_expectation_whatever_order_gx_reports(tmp_path):
    # GX does not return results in suite order; two expectations of one type must not be confused.
    suite = write_suite(tmp_path, [
        {"type": "expect_column_values_to_not_be_in_set", "kwargs": {"column": "a", "value_set": ["bad"]}, "severity": "critical"},
        {"type": "expect_column_values_to_not_be_in_set", "kwargs": {"column": "b", "value_set": ["bad"]}, "severity": "warning"},
        {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "c", "regex": "^h"}, "severity": "critical"},
    ])
    frame = pd.DataFrame({"a": ["ok", "ok"], "b": ["bad", "ok"], "c": [None, "http://x"]})
    outcome = validate_frame(suite, frame)
    assert [(f["kwargs"]["column"], f["severity"], f["sample_values"]) for f in outcome.failures] == [("b", "warning", ["bad"])]
    assert outcome.critical_passed


def test_table_frame_pulls_only_the_columns_the_expectations_read(tmp_path):
    import duckdb

    from wiretrace.quality import suite_frame

    con = duckdb.connect(":memory:")
    con.execute("CREATE SCHEMA t")
    con.execute("CREATE TABLE t.items (claim_id VARCHAR, article_id VARCHAR, share DOUBLE, slots DOUBLE[], "
                "note VARCHAR, ingest_date DATE, run_id VARCHAR)")
    con.execute("INSERT INTO t.items VALUES ('c1', 'a1', 0.5, [1.0], 'x', DATE '2025-06-01', 'r1'), "
                "('c2', 'a2', 2.0, [], 'y', DATE '2025-06-01', 'r1'), ('c3', 'a3', 9.0, [], 'z', DATE '2025-05-01', 'r0')")
    suite = write_suite(tmp_path, [
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "share", "max_value": 1.0}, "severity": "critical"},
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}, "severity": "critical"},
    ])
    frame = suite_frame(con, suite, "2025-06-01", "r1")
    # the named column and one id column (the first of ID_COLUMNS: article_id before claim_id)
    assert list(frame.columns) == ["article_id", "share"] and len(frame) == 2
    outcome = validate_frame(suite, frame)
    assert [f["sample_ids"] for f in outcome.failures] == [["a2"]]
    # an expectation on the table's own columns gets them all
    shape = write_suite(tmp_path, [{"type": "expect_table_columns_to_match_set", "severity": "critical",
                                    "kwargs": {"column_set": ["claim_id", "article_id", "share", "slots", "note",
                                                              "ingest_date", "run_id"]}}])
    assert validate_frame(shape, suite_frame(con, shape, "2025-06-01", "r1")).critical_passed


def test_many_unexpected_rows_are_counted_and_the_first_named(tmp_path):
    """A mostly-expectation over many unexpected rows: the count is all of them, the samples are the first
    SAMPLE_SIZE in frame order, named by the id column (also under a frame index that is not 0..n-1)."""
    from wiretrace.quality import SAMPLE_SIZE

    suite = write_suite(tmp_path, [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "speaker", "mostly": 0.7},
         "severity": "warning"},
        {"type": "expect_column_pair_values_a_to_be_greater_than_b",
         "kwargs": {"column_A": "end", "column_B": "start"}, "severity": "critical"},
    ])
    n = 1_000
    frame = pd.DataFrame({"quote_id": [f"q{i}" for i in range(n)],
                          "speaker": [None if i % 2 else "Ana" for i in range(n)],
                          "start": range(n), "end": [i + (1 if i % 7 else -1) for i in range(n)]},
                         index=range(5_000, 5_000 + n))
    failures = {f["type"]: f for f in validate_frame(suite, frame).failures}
    nulls = failures["expect_column_values_to_not_be_null"]
    assert nulls["unexpected_count"] == n // 2
    assert nulls["sample_ids"] == [f"q{i}" for i in range(1, 2 * SAMPLE_SIZE, 2)]
    spans = failures["expect_column_pair_values_a_to_be_greater_than_b"]
    assert spans["unexpected_count"] == len(range(0, n, 7))
    assert spans["sample_ids"] == [f"q{i}" for i in range(0, 7 * SAMPLE_SIZE, 7)]


def test_validation_does_not_fingerprint_the_frame(tmp_path, monkeypatch):
    # GX's batch fingerprint (md5 over pandas' row hashes) is a marker nothing reads; it was 40% of the
    # suites' time on a ten-night bench night, so quality.py turns it off. Any hashing of the frame fails here.
    from great_expectations.execution_engine import pandas_execution_engine

    calls = []
    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe", lambda df: calls.append("gx") or "x")
    original = pd.util.hash_pandas_object
    monkeypatch.setattr(pd.util, "hash_pandas_object", lambda *a, **k: calls.append("pandas") or original(*a, **k))
    suite = write_suite(tmp_path, [
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "share", "max_value": 0.5},
         "severity": "critical"}])
    outcome = validate_frame(suite, pd.DataFrame({"article_id": ["a1", "a2"], "share": [0.9, 0.1]}))
    assert not outcome.critical_passed and outcome.failures[0]["sample_ids"] == ["a1"]
    assert calls == []

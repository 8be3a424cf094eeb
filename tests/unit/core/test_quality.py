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

"""Run health per outlet: trailing-median baseline, gap verdicts, rejects, shares, freshness."""

from datetime import date, timedelta

import polars as pl

from wiretrace.health import HealthParams, night_summary, run_health

NIGHT = date(2025, 6, 10)


def _tonight(rows):
    cols = ["article_id", "outlet_id", "language", "published_date_plausible", "effective_date", "body_chars",
            "kept_share", "boilerplate_chars", "is_copy"]
    return pl.DataFrame([dict(zip(cols, r)) for r in rows])


def _history(counts: dict[str, list[int]]):
    rows = []
    for outlet, per_night in counts.items():
        for back, n in enumerate(reversed(per_night), start=1):
            if n:
                rows.append({"outlet_id": outlet, "night": NIGHT - timedelta(days=back), "articles": n})
    return pl.DataFrame(rows)


def _nights(n):
    return [NIGHT - timedelta(days=k) for k in range(1, n + 1)]


def test_outlet_that_disappears_is_a_gap_and_a_lull_is_not():
    tonight = _tonight([
        ("a1", "steady", "en", True, date(2025, 6, 10), 900, 0.9, 100, False),
        ("a2", "steady", "uk", True, date(2025, 6, 9), 900, 0.8, 0, True),
        ("a3", "halved", "en", False, NIGHT, 1000, 0.9, 0, None),
    ])
    history = _history({"steady": [2, 2, 3], "halved": [3, 2, 3], "gone": [1, 2, 1], "sporadic": [0, 1, 0]})
    health = run_health(NIGHT, tonight, history, _nights(3))
    rows = {r["outlet_id"]: r for r in health.iter_rows(named=True)}
    assert set(rows) == {"steady", "halved", "gone", "sporadic"}
    assert rows["gone"]["articles_in"] == 0 and rows["gone"]["coverage_gap"]
    assert rows["halved"]["trailing_median"] == 3 and rows["halved"]["coverage_gap"]  # 1 < 1.5
    assert not rows["steady"]["coverage_gap"] and rows["steady"]["volume_ratio"] == 1.0
    assert not rows["sporadic"]["coverage_gap"]  # median 0: nothing to miss
    steady = rows["steady"]
    assert steady["boilerplate_share"] == 100 / 1900
    assert steady["duplicate_share"] == 0.5 and steady["non_english_articles"] == 1
    assert steady["newest_published"] == date(2025, 6, 10) and steady["freshness_days"] == 0
    assert rows["halved"]["implausible_dates"] == 1 and rows["halved"]["newest_published"] is None
    assert night_summary(health)["coverage gaps"] == 2


def test_no_verdict_without_enough_history_and_window_is_last_seven_nights():
    history = _history({"x": [5, 5, 5, 5, 5, 5, 5, 0, 0, 0]})  # 10 earlier nights, the last 3 empty
    params = HealthParams(window_nights=7)
    one_night = run_health(NIGHT, None, _history({"x": [5]}), _nights(1), params=params)
    assert one_night["trailing_nights"].to_list() == [1] and one_night["coverage_gap"].to_list() == [False]
    health = run_health(NIGHT, None, history, _nights(10), params=params)
    # Window = nights -1..-7: four with 5, three with 0 -> median 5, tonight 0 -> gap.
    assert health["trailing_nights"].to_list() == [7] and health["trailing_median"].to_list() == [5.0]
    assert health["coverage_gap"].to_list() == [True]


def test_rejects_are_counted_with_reasons_per_outlet():
    rejects = pl.DataFrame({"outlet_id": ["a", "a", "a", None], "stage": ["clean", "clean", "ingest", "ingest"],
                            "reason": ["no article text", "no article text", "invalid_json", "binary"]})
    tonight = _tonight([("x", "a", "en", True, NIGHT, 10, 1.0, 0, None)])
    health = run_health(NIGHT, tonight, None, [], rejects)
    assert health["rejects"].to_list() == [3]
    assert health["reject_reasons"].to_list() == [["clean: no article text x2", "ingest: invalid_json x1"]]
    assert health["trailing_median"].to_list() == [None] and health["coverage_gap"].to_list() == [False]

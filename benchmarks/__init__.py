"""Benchmark scripts (``make bench-*``); each writes its figures under ``benchmarks/results/``."""

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def save_results(name: str, report: dict, markdown: str) -> None:
    """``results/<name>.json`` (every figure) and ``results/<name>.md`` (the tables), replacing the last run's."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2, default=str))
    (RESULTS / f"{name}.md").write_text(markdown)

"""The copy-memory benchmark books each PSS sample and each second to the innermost running phase."""

import time
import types

import numpy as np

from benchmarks.bench_copy_memory import PhaseMemory


def test_phase_memory_books_the_peak_to_the_innermost_phase_that_held_it():
    work = types.SimpleNamespace()

    def outer():
        time.sleep(0.5)
        return work.inner()

    def inner():
        held = np.ones(300 * 2**20 // 8)  # 300 MB, written: resident
        time.sleep(0.6)
        return float(held[-1])

    work.outer, work.inner = outer, inner
    memory = PhaseMemory()
    memory.wrap(work, "outer")
    memory.wrap(work, "inner")
    with memory:
        assert work.outer() == 1.0
    peaks, seconds = memory.peak_bytes, memory.seconds
    assert {"read articles", "outer", "inner"} <= set(peaks)
    assert peaks["inner"] - max(peaks["outer"], peaks["read articles"]) > 250 * 2**20
    assert seconds["inner"] >= 0.6 and seconds["outer"] >= seconds["inner"] + 0.5  # a phase's seconds hold its callees'

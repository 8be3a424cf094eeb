"""The benchmark's phase timer: each phase counts its own time, nested phases taken out."""

import types

from benchmarks import bench_pipeline


def test_nested_phases_are_taken_out_of_the_outer_one(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(bench_pipeline, "time", types.SimpleNamespace(perf_counter=lambda: clock[0],
                                                                      process_time=lambda: clock[0] / 2))

    def work(seconds):
        clock[0] += seconds

    stage = types.SimpleNamespace()
    stage.inner = lambda: work(3.0)
    stage.outer = lambda: (work(1.0), stage.inner(), work(2.0), stage.inner())
    stage.alone = lambda: work(5.0)
    timer = bench_pipeline.PhaseTimer()
    for name in ("inner", "outer", "alone"):
        timer.wrap(stage, name)
    stage.outer()
    stage.alone()
    stage.inner()
    timer.restore()
    assert timer.seconds == {"inner": 9.0, "outer": 3.0, "alone": 5.0}
    assert timer.cpu_seconds == {"inner": 4.5, "outer": 1.5, "alone": 2.5}
    assert timer.calls == {"inner": 3, "outer": 1, "alone": 1}
    assert sum(timer.seconds.values()) == clock[0]
    stage.inner()  # restored: no longer timed
    assert timer.calls["inner"] == 3

"""Where the story stage's linear front holds memory: peak PSS per phase of the copy stage and the term vectors.

At 1M articles the copy stage and the term vectors together peaked at 12.4 GB PSS (seventh session), over
the 8 GB bar; this says which phase holds the peak, on a plain-text night of any size, so a change can be
measured where it acts. The night is built as ``bench_pipeline`` builds it (``generate`` and ``clean``
child steps); the measured run is one fresh process doing what ``assign_night`` does up to the term
vectors: ``copy_stage`` on an empty warehouse, the copy groups' founders, ``night_term_weights`` on two
processes. A thread samples the PSS of the process tree (pool workers included) every 0.2 s and books it
to the innermost phase running: ``fingerprint_texts``, ``band_keys``, ``candidate_pairs``,
``intersection_sizes``, the rest of ``copy_stage``, ``night_term_weights``.

    .venv/bin/python -m benchmarks.bench_copy_memory --size 300k     # ~8 min; writes results/copy_memory.{json,md}
"""

import argparse
import platform
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from benchmarks import save_results
from benchmarks.bench_pipeline import parse_size, run_child, size_label, tree_memory

SAMPLE_S = 0.2
NIGHT = "2025-06-01"
# (module, function) sampled as phases: a sample is booked to the innermost one running; a phase's
# seconds include the phases it calls
PHASES = (("wiretrace.stories.pipeline", "copy_stage"), ("wiretrace.stories.pipeline", "fingerprint_texts"),
          ("wiretrace.stories.copies", "band_keys"), ("wiretrace.stories.copies", "candidate_pairs"),
          ("wiretrace.stories.copies", "intersection_sizes"), ("wiretrace.stories.pipeline", "night_term_weights"))


class PhaseMemory:
    """Peak PSS of this process tree and wall seconds, per phase (the innermost running one)."""

    def __init__(self):
        self.stack = ["read articles"]
        self.transitions = 0  # phases entered or left so far: a sample spanning one is not booked
        self.peak_bytes: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def wrap(self, module, name: str) -> None:
        original = getattr(module, name)

        def timed(*args, **kwargs):
            self.stack.append(name)
            self.transitions += 1
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.stack.pop()
                self.transitions += 1
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

        setattr(module, name, timed)

    def relabel(self, label: str) -> None:
        """Name the outermost work from here on (between the wrapped phases)."""
        self.stack[-1] = label
        self.transitions += 1

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            before, phase = self.transitions, self.stack[-1]
            _, total = tree_memory(me, with_pss=True)  # reading PSS takes a while: a phase may end meanwhile
            if self.transitions == before:
                self.peak_bytes[phase] = max(self.peak_bytes.get(phase, 0), total)
            time.sleep(SAMPLE_S)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        time.sleep(2 * SAMPLE_S)
        self._stop.set()
        self._thread.join()


def step_copy_memory(args: dict) -> dict:
    import importlib

    import polars as pl

    from wiretrace.stories import StoryState
    from wiretrace.stories.pipeline import StoryParams

    memory = PhaseMemory()
    for module, name in PHASES:
        memory.wrap(importlib.import_module(module), name)
    pipeline = importlib.import_module("wiretrace.stories.pipeline")
    params = StoryParams()
    with memory:
        articles = pl.read_parquet(args["articles"], columns=["article_id", "outlet", "title", "body",
                                                              "published_date", "ingest_date"])
        memory.relabel("prepare")
        arts = pipeline.night_articles(articles, params)
        del articles
        started = time.perf_counter()
        since = arts["published_date"].min() - timedelta(days=params.copy_window_days)
        arts, _, _ = pipeline.copy_stage(arts, StoryState.empty(), since, params)
        memory.relabel("founders")
        founders = arts.unique("copy_group_id", keep="first", maintain_order=True)
        terms = pipeline.night_term_weights(founders["title"], founders["body"], params.term_weights, workers=2)
        seconds = time.perf_counter() - started
        memory.relabel("after the phases (their results held)")
    return {"articles": arts.height, "copy_groups": founders.height, "term_vectors": len(terms),
            "seconds": round(seconds, 1),
            "phase_seconds": {k: round(v, 1) for k, v in memory.seconds.items()},
            "phase_peak_pss_mb": {k: round(v / 2**20) for k, v in memory.peak_bytes.items()},
            # equal across code changes that must not move any article between copy groups
            "copy_groups_checksum": str(arts.select(pl.col("copy_group_id").hash().sum()).item())}


def markdown(report: dict) -> str:
    run = report["run"]
    lines = [f"# Copy stage + term vectors: peak PSS by phase ({report['when']})", "",
             f"{run['articles']:,} plain-text articles ({report['size']}), {run['copy_groups']:,} copy groups; "
             f"{run['seconds']} s; peak PSS of the whole run {run['peak_pss_mb']:,} MB "
             "(`python -m benchmarks.bench_copy_memory`).", "",
             "| phase | peak PSS MB | seconds (with the phases it calls) |", "|---|---|---|"]
    for phase, mb in run["phase_peak_pss_mb"].items():
        lines.append(f"| {phase} | {mb:,} | {run['phase_seconds'].get(phase, '')} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_copy_memory", description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="300k", help="articles in the night: 100k, 300k, 1m")
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "wiretrace-bench"))
    parser.add_argument("--articles", help="a clean night's articles.parquet to reuse (skips generate + clean)")
    opts = parser.parse_args(argv)
    n = parse_size(opts.size)
    folder = Path(opts.workdir) / f"copy-memory-{size_label(n)}"
    folder.mkdir(parents=True, exist_ok=True)
    articles = Path(opts.articles) if opts.articles else folder / "articles.parquet"
    if not opts.articles:
        corpus = folder / "corpus.parquet"
        run_child("generate", {"n": n, "nights": 1, "start": NIGHT, "html_share": 0.0, "corpus": str(corpus)}, folder)
        run_child("clean", {"corpus": str(corpus), "night": NIGHT, "articles_out": str(articles)}, folder)
    run = run_child("benchmarks.bench_copy_memory:step_copy_memory", {"articles": str(articles)}, folder)
    report = {"when": time.strftime("%Y-%m-%d %H:%M"), "machine": platform.platform(), "size": size_label(n),
              "run": run}
    text = markdown(report)
    save_results("copy_memory", report, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

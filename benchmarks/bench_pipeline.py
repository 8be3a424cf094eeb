"""Pipeline benchmark: every stage and the whole nightly job on synthetic nights of 10k / 100k / 1M articles.

Run: ``.venv/bin/python -m benchmarks.bench_pipeline [--sizes 10k,100k] [--history-nights 2]
[--html-share 0.25] [--skip-job] [--profile]``. ``make bench-pipeline`` runs the default (10k).
The million-article target (plain text, as the issue defines it):
``.venv/bin/python -m benchmarks.bench_pipeline --sizes 1m --html-share 0 --history-nights 0``.
``--skip-claims`` runs clean and stories only (with ``--skip-job``: a scaling run between 100k and 1M of the
stages whose work can grow faster than the night; claims work story by story).
Prints a table and writes ``benchmarks/results/pipeline.json`` and ``benchmarks/results/pipeline.md``
(one section per size; a later run replaces the sections of the sizes it ran and keeps the others).

What is measured, per size N (corpus: benchmarks/corpus.py, one night of N articles + history nights):
* stages, each in a fresh child process on the last night's articles with no history:
  clean (``clean_documents``, 2 workers), stories (``assign_night``: fragments + the story pass,
  as the asset runs them, 2 workers, with phase timers: copy groups / story clustering / output rows
  and diffs / story pass, each counting its own time),
  claims (``stream_claims`` into Parquet parts, as the asset runs it, 2 workers). Rate = input articles / wall seconds of the call.
* references, same run, same machine, so every figure is also a ratio:
  HTML: trafilatura alone (``trafilatura.extract`` over a 2-process pool) vs our cleaner on the same pages;
  copies: datasketch end-to-end (our word 4-gram shingler, ``MinHash.update_batch`` 128 perms, MinHashLSH
  with our banding 64x2, query + union-find) vs our copy-group phase (``copy_stage``), over wall and CPU time;
  stories: scikit-learn TF-IDF + AgglomerativeClustering(linkage='average', cosine distances, threshold
  1-0.225) vs our whole story stage on the same subsample (average link is quadratic: capped sample).
* the nightly job (Dagster ``execute_in_process``, temp warehouse, JSON Lines inbox, each night in a fresh
  process as the schedule runs them): end-to-end wall, per-step seconds, warehouse size; and the
  incremental night: the same last night on top of the history nights vs on an empty warehouse (ratio
  target <= 1.5), in ``--job-rounds`` alternating rounds (empty, history, empty, history; each history
  round on a copy of the warehouse the history nights left), fastest round of each side compared, with
  the work each side did (from the materialisations' figures): which steps took longer, and how many
  articles claims aligned (a story the night extends is aligned whole) at what cost per article.
* peak RSS: the child's process tree (pool workers included), summed, sampled every 0.2 s with psutil;
  and peak PSS, summed the same way every 1 s: RSS counts the pages forked pool workers share with their
  parent once per process, PSS splits them, so summed PSS is the memory the tree really takes.
"""

import argparse
import contextlib
import importlib
import itertools
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from benchmarks import RESULTS, save_results

ROOT = Path(__file__).resolve().parents[1]
# the story stage's phases as assign_night runs them (copy_stage: the whole copy-group stage: shingles,
# MinHash, LSH, verification; _night_rows calls _story_pass, each counts its own time)
STORY_PHASES = ("copy_stage", "night_term_weights", "_cluster_new_groups", "_night_rows", "_story_pass")
TARGETS = {"clean_html_pages_per_s": 100.0, "copy_vs_datasketch": 5.0, "incremental_ratio": 1.5,
           "million_minutes": 30.0, "million_rss_gb": 8.0}


def parse_size(text: str) -> int:
    text = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if text[-1:] in "km" else text) * mult)


def size_label(n: int) -> str:
    return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


# ------------------------------------------------------------------------ child processes and RSS
def run_child(step: str, args: dict, workdir: Path, timeout: float | None = None) -> dict:
    """Run one measured step in a fresh interpreter; return its JSON result plus the tree's peak RSS."""
    import psutil

    out = workdir / f"{step}.{int(time.time() * 1000)}.json"
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.bench_pipeline", "--child", step,
                             "--child-args", json.dumps(args), "--child-out", str(out)], cwd=ROOT, env=env)
    peak = peak_pss = 0
    started = time.perf_counter()
    root = psutil.Process(proc.pid)
    for sample in itertools.count():
        if proc.poll() is not None:
            break
        # RSS counts pages a forked pool worker shares with its parent in both; PSS splits them among
        # the processes sharing them, so the summed PSS is the memory the tree really takes. PSS walks
        # the page tables (/proc/<pid>/smaps_rollup): sampled every 5th time only.
        total, total_pss = tree_memory(root, with_pss=sample % 5 == 0)
        peak, peak_pss = max(peak, total), max(peak_pss, total_pss)
        if timeout and time.perf_counter() - started > timeout:
            proc.kill()
            raise TimeoutError(f"{step} exceeded {timeout}s")
        time.sleep(0.2)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark step {step} failed with exit code {proc.returncode}")
    result = json.loads(out.read_text())
    out.unlink()
    result["peak_rss_mb"] = round(peak / 2**20, 1)
    result["peak_pss_mb"] = round(peak_pss / 2**20, 1)
    return result


def tree_memory(root, *, with_pss: bool) -> tuple[int, int]:
    """(RSS, PSS) bytes of a psutil process and its descendants, summed; PSS 0 unless ``with_pss`` (it
    walks the page tables). Processes that end while being read are skipped."""
    import psutil

    rss = pss = 0
    with contextlib.suppress(psutil.Error):
        for p in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                info = p.memory_full_info() if with_pss else p.memory_info()
                rss += info.rss
                pss += info.pss if with_pss else 0
    return rss, pss


class PhaseTimer:
    """Wraps named functions of a module (or methods of a class) with wall-clock timers.

    Each phase counts its own time only: a timed function called inside another is its own phase and
    is taken out of the outer one's time, so the phases add up without double counting.
    """

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._nested: list[list[float]] = []  # per active timed call: [wall, cpu] of timed calls inside it
        self._undo: list = []

    def wrap(self, owner, name: str, label: str | None = None) -> None:
        original = getattr(owner, name, None)
        if original is None:
            return
        label = label or name
        timer = self

        def timed(*a, **kw):
            timer._nested.append([0.0, 0.0])
            t, c = time.perf_counter(), time.process_time()
            try:
                return original(*a, **kw)
            finally:
                wall, cpu = time.perf_counter() - t, time.process_time() - c
                inner_wall, inner_cpu = timer._nested.pop()
                if timer._nested:
                    timer._nested[-1][0] += wall
                    timer._nested[-1][1] += cpu
                timer.seconds[label] = timer.seconds.get(label, 0.0) + wall - inner_wall
                timer.cpu_seconds[label] = timer.cpu_seconds.get(label, 0.0) + cpu - inner_cpu
                timer.calls[label] = timer.calls.get(label, 0) + 1

        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def restore(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)


def _profile_top(profiler, n: int = 15) -> list[dict]:
    import pstats

    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, func), (cc, nc, tt, ct, _callers) in stats.stats.items():
        rows.append({"function": f"{Path(filename).name}:{line}({func})", "calls": nc,
                     "tottime_s": round(tt, 3), "cumtime_s": round(ct, 3)})
    return sorted(rows, key=lambda r: r["tottime_s"], reverse=True)[:n]


# ------------------------------------------------------------------------ child steps
def step_generate(args: dict) -> dict:
    from benchmarks.corpus import CorpusShape, generate_parallel

    t = time.perf_counter()
    corpus = generate_parallel(args["n"], args["nights"], start=date.fromisoformat(args["start"]),
                               shape=CorpusShape(html_share=args["html_share"],
                                                 event_sources=args.get("event_sources", 1)), workers=2)
    corpus.write_parquet(args["corpus"])
    return {"seconds": time.perf_counter() - t, "articles": corpus.height,
            "per_night": {str(k): v for k, v in corpus.group_by("night").len().sort("night").rows()},
            "html": int((corpus["content_type"] == "html").sum()),
            "copy_kinds": dict(corpus.group_by("copy_kind").len().rows()),
            "mean_chars": round(float(corpus["raw_text"].str.len_chars().mean()), 0)}


def _night_docs(path: str, night: str, limit: int | None = None, html_only: bool = False):
    import polars as pl

    frame = pl.scan_parquet(path).filter(pl.col("night") == date.fromisoformat(night))
    if html_only:
        frame = frame.filter(pl.col("content_type") == "html")
    if limit:
        frame = frame.head(limit)
    return frame.collect()


def _maybe_profile(args: dict):
    if not args.get("profile"):
        return None
    import cProfile

    prof = cProfile.Profile()
    prof.enable()
    return prof


def step_clean(args: dict) -> dict:
    """The clean asset's path: the night's documents in one frame, each shard's rows streamed to Parquet
    parts (``stream_clean`` + ``ParquetParts``), so peak memory is the stage's, not a collected result's."""
    import polars as pl

    from wiretrace.clean import stream_clean
    from wiretrace.warehouse import ParquetParts

    docs = _night_docs(args["corpus"], args["night"], args.get("limit"), args.get("html_only", False))
    prof = _maybe_profile(args)
    night = date.fromisoformat(args["night"])
    with tempfile.TemporaryDirectory(prefix="clean-parts-", dir=Path(args["corpus"]).parent) as folder:
        parts = ParquetParts(folder)
        t = time.perf_counter()
        # profiled runs use one process: cProfile sees only its own process, not pool workers
        counts = stream_clean(docs, None, parts.add, workers=1 if prof else 2, as_of=night)
        seconds = time.perf_counter() - t
        if args.get("articles_out"):
            parts.scan("articles").with_columns(pl.lit(night).alias("ingest_date")).sink_parquet(args["articles_out"])
    out = {"articles_in": docs.height, "seconds": seconds, "rate": docs.height / seconds,
           "articles_out": counts["articles"], "failures": counts["failures"],
           "removed_lines": counts["removed_lines"], "shards": counts["shards"],
           "html_in": int((docs["content_type"] == "html").sum())}
    if prof:
        prof.disable()
        out["profile_top"] = _profile_top(prof)
    return out


def step_trafilatura(args: dict) -> dict:
    """Reference: trafilatura alone over the same HTML pages, two processes (the cleaner's budget)."""
    import multiprocessing as mp

    docs = _night_docs(args["corpus"], args["night"], args.get("limit"), html_only=True)
    pages = docs["raw_text"].to_list()
    t = time.perf_counter()
    with mp.get_context("forkserver").Pool(2) as pool:
        texts = pool.map(_trafilatura_extract, pages, chunksize=16)
    seconds = time.perf_counter() - t
    return {"pages": len(pages), "seconds": seconds, "rate": len(pages) / seconds,
            "extracted": sum(1 for x in texts if x)}


def _trafilatura_extract(page: str) -> str | None:
    import trafilatura

    return trafilatura.extract(page)


def _stories_run(articles, profile: bool = False) -> dict:
    from wiretrace.stories import StoryState, assign_night
    from wiretrace.stories import pipeline as story_pipeline

    timer = PhaseTimer()
    for name in STORY_PHASES:
        timer.wrap(story_pipeline, name)
    prof = _maybe_profile({"profile": profile})
    try:
        t = time.perf_counter()
        state = StoryState.empty()
        # fragments, then the story pass (inside _night_rows); two processes, as the asset runs it
        result = assign_night(articles, state, workers=2)
        seconds = time.perf_counter() - t
    finally:
        timer.restore()
        if prof:
            prof.disable()
    ph = timer.seconds
    copy_s = ph.get("copy_stage", 0.0)
    copy_cpu = timer.cpu_seconds.get("copy_stage", 0.0)
    story_s = ph.get("night_term_weights", 0.0) + ph.get("_cluster_new_groups", 0.0)
    story_pass = ph.get("_story_pass", 0.0)
    rows = ph.get("_night_rows", 0.0)  # its own time: the story pass it calls is a phase of its own
    phases = {"copy_groups": copy_s, "story_clustering": story_s, "output_rows_and_diffs": rows,
              "story_pass": story_pass, "other": max(0.0, seconds - copy_s - story_s - rows - story_pass)}
    out = {"articles_in": articles.height, "seconds": seconds, "rate": articles.height / seconds,
           "phases_s": {k: round(v, 3) for k, v in phases.items()},
           "phase_calls": timer.calls,
           "copy_rate": articles.height / copy_s if copy_s else None,
           "copy_cpu_rate": articles.height / copy_cpu if copy_cpu else None,
           "copy_groups": int(result.members["copy_group_id"].n_unique()),
           "stories": int(result.members["story_id"].n_unique()), "merges": result.merges.height,
           "members": result.members.select("article_id", "story_id", "copy_group_id")}
    if prof:
        out["profile_top"] = _profile_top(prof)
    return out


def step_stories(args: dict) -> dict:
    import polars as pl

    articles = pl.read_parquet(args["articles"]).select("article_id", "outlet", "title", "body", "published_date",
                                                          "ingest_date")
    if args.get("limit"):
        articles = articles.sample(n=min(args["limit"], articles.height), seed=1)
    out = _stories_run(articles, profile=args.get("profile", False))
    members = out.pop("members")
    if args.get("members_out"):
        members.write_parquet(args["members_out"])
    return out


def step_claims(args: dict) -> dict:
    import polars as pl

    from wiretrace.claims import stream_claims
    from wiretrace.warehouse import ParquetParts

    articles = pl.read_parquet(args["articles"]).select("article_id", "outlet", "title", "body", "published_date")
    members = pl.read_parquet(args["members"])
    prof = _maybe_profile(args)
    # as the asset runs it: the rows stream to Parquet parts (loaded into DuckDB by the asset, not here)
    with tempfile.TemporaryDirectory(prefix="claims-parts-", dir=Path(args["articles"]).parent) as folder:
        parts = ParquetParts(folder)
        t = time.perf_counter()
        rows = stream_claims(articles, members, parts.add, workers=1 if prof else 2)
        seconds = time.perf_counter() - t
    out = {"articles_in": articles.height, "seconds": seconds, "rate": articles.height / seconds, "rows": rows}
    if prof:
        prof.disable()
        out["profile_top"] = _profile_top(prof)
    return out


def step_datasketch(args: dict) -> dict:
    """Reference copy grouping, end to end: our shingler (the same shingles as ours) -> datasketch
    MinHash (128 perms) -> MinHashLSH (our banding 64 x 2) query + insert -> union-find groups."""
    import polars as pl
    from datasketch import MinHash, MinHashLSH

    from wiretrace.stories.text import ShingleSets

    bodies = pl.read_parquet(args["articles"], columns=["body"])["body"].fill_null("")
    if args.get("limit"):
        bodies = bodies.head(args["limit"])
    t, c = time.perf_counter(), time.process_time()
    sets = ShingleSets.of_texts(bodies.to_list(), 4)
    lsh = MinHashLSH(num_perm=128, params=(64, 2))
    parent = list(range(len(bodies)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(bodies)):
        raw = sets[i].astype("<u4").tobytes()
        m = MinHash(num_perm=128)
        m.update_batch([raw[o:o + 4] for o in range(0, len(raw), 4)])
        for j in lsh.query(m):
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
        lsh.insert(i, m)
    groups = len({find(i) for i in range(len(bodies))})
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    return {"articles_in": len(bodies), "seconds": seconds, "rate": len(bodies) / seconds,
            "cpu_rate": len(bodies) / cpu, "groups": groups}


def step_sklearn_stories(args: dict) -> dict:
    """Reference story clustering on a subsample: TF-IDF + average-link (cosine), and ours on the same rows."""
    import numpy as np
    import polars as pl
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    articles = pl.read_parquet(args["articles"]).select("article_id", "outlet", "title", "body", "published_date",
                                                          "ingest_date")
    sample = articles.sample(n=min(args["limit"], articles.height), seed=1)
    texts = [f"{t or ''}\n{b or ''}" for t, b in sample.select("title", "body").rows()]
    t = time.perf_counter()
    x = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2, max_df=0.5).fit_transform(texts)
    # cosine distances from the sparse product (what metric='cosine' computes, without a dense term matrix)
    distance = np.clip(1.0 - (x @ x.T).toarray(), 0.0, 2.0)
    labels = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                     distance_threshold=1 - 0.225).fit_predict(distance)
    ref_seconds = time.perf_counter() - t
    ours = _stories_run(sample)
    ours.pop("members")
    return {"articles_in": sample.height, "seconds": ref_seconds, "rate": sample.height / ref_seconds,
            "clusters": int(len(set(labels.tolist()))), "ours_seconds": ours["seconds"], "ours_rate": ours["rate"],
            "ours_stories": ours["stories"]}


def step_job(args: dict) -> dict:
    """The nightly Dagster job for each listed night, in order, on one warehouse; per-night figures."""
    os.environ["WIRETRACE_SNAPSHOT"] = args["snapshot"]
    if args.get("exports"):
        os.environ["WIRETRACE_EXPORTS"] = args["exports"]
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.resources import InboxResource, WarehouseResource

    job = defs.resolve_job_def("nightly")
    resources = {"warehouse": WarehouseResource(path=args["warehouse"], lock_wait_seconds=120),
                 "inbox": InboxResource(path=args["inbox"])}
    nights = []
    with dg.DagsterInstance.ephemeral() as instance:
        for night in args["nights"]:
            t = time.perf_counter()
            result = job.execute_in_process(partition_key=night, resources=resources, instance=instance,
                                            raise_on_error=False)
            seconds = time.perf_counter() - t
            steps = {s.step_key: round((s.end_time or 0) - (s.start_time or 0), 2)
                     for s in instance.get_run_step_stats(result.run_id)}
            nights.append({"night": night, "success": result.success, "seconds": seconds, "steps_s": steps,
                           "work": materialised_figures(result.get_asset_materialization_events())})
    wh = Path(args["warehouse"])
    size = sum(p.stat().st_size for p in wh.parent.glob(wh.name + "*"))
    return {"nights": nights, "warehouse_mb": round(size / 1e6, 1)}


def materialised_figures(events) -> dict[str, dict[str, float]]:
    """Asset key -> the numeric figures its materialisation reported (articles, stories, rows per table...):
    what each step had to do, so a slower night can be told apart from a night with more work."""
    out = {}
    for event in events:
        figures = {name: value.value for name, value in event.materialization.metadata.items()
                   if isinstance(value.value, (int, float)) and not isinstance(value.value, bool)}
        out["/".join(event.asset_key.path)] = figures
    return out


def incremental_work(history_night: dict, empty_night: dict) -> dict:
    """What the night with history did beyond the same night on an empty warehouse: the steps that took
    longer, and the claims stage's articles (a story a night extends is aligned whole, its earlier
    copies included) with the seconds per article on each side."""
    extra = {k: round(v - empty_night["steps_s"].get(k, 0.0), 1) for k, v in history_night["steps_s"].items()}
    out = {"extra_step_seconds": dict(sorted(((k, v) for k, v in extra.items() if v >= 1.0),
                                             key=lambda kv: -kv[1]))}
    def work(night: dict, asset: str) -> dict:
        return night.get("work", {}).get(asset) or {}

    h, e = work(history_night, "claims/claims"), work(empty_night, "claims/claims")
    if h.get("articles") and e.get("articles"):
        out["claims_articles"] = {"with_history": h["articles"], "empty": e["articles"],
                                  "with_stored_extraction": h.get("articles with stored extraction", 0),
                                  "ms_per_article_with_history": round(1000 * h["seconds"] / h["articles"], 2),
                                  "ms_per_article_empty": round(1000 * e["seconds"] / e["articles"], 2)}
    h, e = work(history_night, "reports/story_reports"), work(empty_night, "reports/story_reports")
    if h and e:
        out["story_reports"] = {"with_history": h.get("story reports"), "empty": e.get("story reports")}
    return out


CHILD_STEPS = {"generate": step_generate, "clean": step_clean, "trafilatura": step_trafilatura,
               "stories": step_stories, "claims": step_claims, "datasketch": step_datasketch,
               "sklearn_stories": step_sklearn_stories, "job": step_job}


def _child_step(step: str) -> Callable[[dict], dict]:
    """A step of this module by name, or any module's as ``module:function`` (imported in the child only,
    so a benchmark module that imports this one can run its own steps through ``run_child``)."""
    module, _, name = step.rpartition(":")
    return getattr(importlib.import_module(module), name) if module else CHILD_STEPS[step]


# ------------------------------------------------------------------------ the benchmark of one size
def stories_vs_events(corpus: Path, members: Path) -> dict:
    """B-cubed precision/recall/F1 and ARI of the night's stories against the corpus's events (the
    wire story each article was generated from): what the stage's clustering gives at this scale."""
    import polars as pl

    from benchmarks.bench_stories import bcubed

    truth = pl.read_parquet(corpus, columns=["document_id", "event_id"])
    assigned = pl.read_parquet(members).join(truth, left_on="article_id", right_on="document_id")
    return {"articles": assigned.height, "events": assigned["event_id"].n_unique(),
            "stories": assigned["story_id"].n_unique(),
            **bcubed(assigned["event_id"].to_list(), assigned["story_id"].to_list())}


def bench_size(n: int, opts, workdir: Path) -> dict:
    label = size_label(n)
    d = workdir / label
    d.mkdir(parents=True, exist_ok=True)
    nights = 1 + opts.history_nights
    start = date(2025, 6, 1)
    night_dates = [(start + timedelta(days=i)).isoformat() for i in range(nights)]
    target = night_dates[-1]
    corpus = d / "corpus.parquet"
    report: dict = {"size": label, "articles_per_night": n, "history_nights": opts.history_nights,
                    "html_share": opts.html_share, "event_sources": opts.event_sources, "night": target}
    print(f"[{label}] generating {nights} night(s) of ~{n} articles", flush=True)
    report["corpus"] = run_child("generate", {"n": n, "nights": nights, "start": start.isoformat(),
                                              "html_share": opts.html_share, "event_sources": opts.event_sources,
                                              "corpus": str(corpus)}, d)
    base = {"corpus": str(corpus), "night": target}
    articles, members = d / "articles.parquet", d / "members.parquet"

    print(f"[{label}] clean", flush=True)
    report["clean"] = run_child("clean", {**base, "articles_out": str(articles), "profile": opts.profile}, d)
    print(f"[{label}] stories", flush=True)
    report["stories"] = run_child("stories", {"articles": str(articles), "members_out": str(members),
                                              "profile": opts.profile}, d)
    report["stories"]["vs_events"] = stories_vs_events(corpus, members)
    stages = ("clean", "stories") if opts.skip_claims else ("clean", "stories", "claims")
    report["stages"] = list(stages)
    if "claims" in stages:
        print(f"[{label}] claims", flush=True)
        report["claims"] = run_child("claims", {"articles": str(articles), "members": str(members),
                                                "profile": opts.profile}, d)

    html_pages = min(opts.html_sample, report["corpus"]["html"])
    if html_pages:
        print(f"[{label}] HTML: ours vs trafilatura alone on {html_pages} pages", flush=True)
        ours_html = run_child("clean", {**base, "limit": html_pages, "html_only": True}, d)
        ref_html = run_child("trafilatura", {**base, "limit": html_pages}, d)
        report["html"] = {"pages": ours_html["articles_in"], "ours_rate": ours_html["rate"],
                          "trafilatura_rate": ref_html["rate"], "ratio": ours_html["rate"] / ref_html["rate"],
                          "ours_peak_rss_mb": ours_html["peak_rss_mb"]}
    print(f"[{label}] copies: datasketch reference", flush=True)
    ds = run_child("datasketch", {"articles": str(articles), "limit": opts.datasketch_cap}, d)
    report["copies_reference"] = {**ds, "ours_copy_rate": report["stories"]["copy_rate"],
                                  "ratio": (report["stories"]["copy_rate"] or 0) / ds["rate"],
                                  "ours_copy_cpu_rate": report["stories"].get("copy_cpu_rate"),
                                  "cpu_ratio": (report["stories"].get("copy_cpu_rate") or 0) / ds["cpu_rate"]}
    print(f"[{label}] stories: scikit-learn reference", flush=True)
    sk = run_child("sklearn_stories", {"articles": str(articles), "limit": opts.sklearn_cap}, d)
    report["stories_reference"] = {**sk, "ratio_same_sample": sk["ours_rate"] / sk["rate"]}

    if not opts.skip_job:
        jobs = {}
        inbox = d / "inbox"
        if not inbox.exists():
            import polars as pl

            from benchmarks.corpus import write_inbox

            write_inbox(pl.read_parquet(corpus), inbox)
        # The history nights once; then the measured night in alternating rounds (empty warehouse, a copy
        # of the history warehouse, again ...): the machine's speed drifts by up to 1.8x within the hour,
        # so each side's fastest round is compared, and every round is reported.
        # Each side keeps its own exports folder, as a deployment keeps the last night's export: the
        # history side starts from the history nights' export, the empty side from none.
        history_wh = d / "warehouse_history_base.duckdb"
        _remove_duckdb(history_wh)
        shutil.rmtree(d / "exports_history_base", ignore_errors=True)
        history = [run_child("job", {"warehouse": str(history_wh), "inbox": str(inbox), "nights": [night],
                                     "snapshot": str(d / "analytics_history_base.duckdb"),
                                     "exports": str(d / "exports_history_base")}, d)
                   for night in night_dates[:-1]]
        if history:
            print(f"[{label}] nightly job: history nights {night_dates[0]}..{night_dates[-2]} built", flush=True)
        sides = ["empty"] + (["with_history"] if history else [])
        rounds: dict[str, list[dict]] = {name: [] for name in sides}
        for round_no in range(opts.job_rounds):
            for name in sides:
                wh = d / f"warehouse_{name}.duckdb"
                _remove_duckdb(wh)
                exports = d / f"exports_{name}"
                shutil.rmtree(exports, ignore_errors=True)
                if name == "with_history":
                    for part in history_wh.parent.glob(history_wh.name + "*"):
                        shutil.copy(part, wh.parent / part.name.replace(history_wh.name, wh.name))
                    if (d / "exports_history_base").is_dir():
                        shutil.copytree(d / "exports_history_base", exports, copy_function=os.link)
                print(f"[{label}] nightly job ({name}, round {round_no + 1}): night {target}", flush=True)
                # Each night in a fresh process, as the schedule launches every partition's run: a second
                # night in the process that ran the first inherits its heap (and so do the forked pools).
                rounds[name].append(run_child("job", {"warehouse": str(wh), "inbox": str(inbox), "nights": [target],
                                                      "snapshot": str(d / f"analytics_{name}.duckdb"),
                                                      "exports": str(exports)}, d))
        for name, parts in rounds.items():
            best = min(parts, key=lambda p: p["nights"][0]["seconds"])
            jobs[name] = {"nights": [h["nights"][0] for h in history if name == "with_history"] + best["nights"],
                          "round_seconds": [round(p["nights"][0]["seconds"], 1) for p in parts],
                          "warehouse_mb": best["warehouse_mb"],
                          "peak_rss_mb": max(p["peak_rss_mb"] for p in parts),
                          "peak_pss_mb": max(p["peak_pss_mb"] for p in parts)}
        report["job"] = jobs
        e2e = jobs["empty"]["nights"][-1]
        report["end_to_end"] = {"seconds": e2e["seconds"], "articles_per_s": n / e2e["seconds"],
                                "success": e2e["success"], "peak_rss_mb": jobs["empty"]["peak_rss_mb"],
                                "peak_pss_mb": jobs["empty"]["peak_pss_mb"],
                                "warehouse_mb": jobs["empty"]["warehouse_mb"]}
        if "with_history" in jobs:
            inc = jobs["with_history"]["nights"][-1]
            report["incremental"] = {"history_articles": sum(v for k, v in report["corpus"]["per_night"].items()
                                                             if k != target),
                                     "night_seconds_with_history": inc["seconds"],
                                     "night_seconds_empty": e2e["seconds"],
                                     "ratio": inc["seconds"] / e2e["seconds"],
                                     "round_ratios": [round(h / e, 2) for h, e in zip(jobs["with_history"]["round_seconds"],
                                                                                      jobs["empty"]["round_seconds"])],
                                     "stories_step_ratio": _step_ratio(inc, e2e, "stories__stories"),
                                     "work": incremental_work(inc, e2e),
                                     "success": inc["success"]}
    stage_seconds = sum(report[s]["seconds"] for s in stages)
    report["stages_total"] = {"seconds": stage_seconds, "articles_per_s": n / stage_seconds,
                              "peak_rss_mb": max(report[s]["peak_rss_mb"] for s in stages),
                              "peak_pss_mb": max(report[s]["peak_pss_mb"] for s in stages),
                              "dominant_stage": max(stages, key=lambda s: report[s]["seconds"])}
    return report


def _remove_duckdb(path: Path) -> None:
    for part in path.parent.glob(path.name + "*"):  # the file and its WAL
        part.unlink()


def _step_ratio(a: dict, b: dict, step: str) -> float | None:
    x, y = a["steps_s"].get(step), b["steps_s"].get(step)
    return round(x / y, 2) if x and y else None


# ------------------------------------------------------------------------ report
def _fmt(v, nd=1):
    return "—" if v is None else f"{v:,.{nd}f}"


def markdown(report: dict) -> str:
    r = report
    lines = [f"### {r['size']} articles per night ({r['history_nights']} history nights, "
             f"HTML share {r['html_share']:.0%}"
             + (f", events cut from {r['event_sources']} real articles each" if r.get("event_sources", 1) > 1 else "")
             + ")", "",
             f"Corpus: {r['corpus']['articles']:,} articles over {len(r['corpus']['per_night'])} night(s) "
             f"({r['corpus']['html']:,} HTML), mean {r['corpus']['mean_chars']:,.0f} chars; kinds "
             + ", ".join(f"{k} {v:,}" for k, v in sorted(r["corpus"]["copy_kinds"].items()))
             + f"; measured night {r['night']}.", "",
             "| stage (library entry point) | articles | seconds | articles/s | peak RSS MB | peak PSS MB |",
             "|---|---|---|---|---|---|"]
    stages = r.get("stages", ["clean", "stories", "claims"])
    for s in stages:
        lines.append(f"| {s} | {r[s]['articles_in']:,} | {_fmt(r[s]['seconds'])} | {_fmt(r[s]['rate'])} | "
                     f"{_fmt(r[s]['peak_rss_mb'], 0)} | {_fmt(r[s].get('peak_pss_mb'), 0)} |")
    t = r["stages_total"]
    lines.append(f"| **{'+'.join(stages)}** | {r['articles_per_night']:,} | {_fmt(t['seconds'])} | "
                 f"{_fmt(t['articles_per_s'])} | {_fmt(t['peak_rss_mb'], 0)} (max) | {_fmt(t.get('peak_pss_mb'), 0)} (max) |")
    ph = r["stories"]["phases_s"]
    lines += ["", "Story stage phases (s): " + ", ".join(f"{k} {v:,.1f}" for k, v in ph.items())]
    if "vs_events" in r["stories"]:  # runs before 2026-12-02 17:00 did not score the stories
        v = r["stories"]["vs_events"]
        lines += ["", f"Stories against the corpus's events ({v['articles']:,} articles, {v['events']:,} events, "
                      f"{v['stories']:,} stories): B-cubed precision {v['precision']}, recall {v['recall']}, "
                      f"F1 {v['f1']}, ARI {v['ari']}."]
    lines += ["",
              "| comparison (same run) | ours /s | reference /s | ratio | sample |", "|---|---|---|---|---|"]
    if "html" in r:
        h = r["html"]
        lines.append(f"| HTML cleaning vs trafilatura alone (2 processes each) | {_fmt(h['ours_rate'])} | "
                     f"{_fmt(h['trafilatura_rate'])} | {h['ratio']:.2f} | {h['pages']:,} pages |")
    c = r["copies_reference"]
    lines.append(f"| copy groups vs datasketch MinHashLSH end to end | {_fmt(c['ours_copy_rate'])} | "
                 f"{_fmt(c['rate'])} | {c['ratio']:.1f} | ours {r['stories']['articles_in']:,}, "
                 f"datasketch {c['articles_in']:,} |")
    if c.get("cpu_ratio"):
        lines.append(f"| copy groups vs datasketch, per CPU second | {_fmt(c['ours_copy_cpu_rate'])} | "
                     f"{_fmt(c['cpu_rate'])} | {c['cpu_ratio']:.1f} | same runs |")
    s = r["stories_reference"]
    lines.append(f"| story stage vs sklearn TF-IDF + average link | {_fmt(s['ours_rate'])} | {_fmt(s['rate'])} | "
                 f"{s['ratio_same_sample']:.2f} | {s['articles_in']:,} (same rows) |")
    if "end_to_end" in r:
        e = r["end_to_end"]
        lines += ["", f"Nightly job (Dagster, in process, empty warehouse): **{e['seconds']:,.1f} s** "
                      f"({e['articles_per_s']:,.1f} articles/s), success={e['success']}, peak RSS "
                      f"{e['peak_rss_mb']:,.0f} MB (PSS {_fmt(e.get('peak_pss_mb'), 0)} MB), warehouse "
                      f"{e['warehouse_mb']:,.1f} MB.", "",
                  "Job steps (s): " + ", ".join(f"{k} {v}" for k, v in r["job"]["empty"]["nights"][-1]["steps_s"].items()
                                               if v >= 0.5)]
    if "incremental" in r:
        i = r["incremental"]
        lines += ["", f"Incremental: the same night on top of {i['history_articles']:,} history articles took "
                      f"{i['night_seconds_with_history']:,.1f} s vs {i['night_seconds_empty']:,.1f} s on an empty "
                      f"warehouse: ratio **{i['ratio']:.2f}** (target ≤ 1.5; story step alone "
                      f"{_fmt(i['stories_step_ratio'], 2)})."]
        if "round_ratios" in i:  # runs before 2026-12-02 measured each side once
            lines[-1] += (f" The fastest of each side's alternating rounds: empty {r['job']['empty']['round_seconds']} s, "
                          f"with history {r['job']['with_history']['round_seconds']} s (per-round ratios "
                          f"{i['round_ratios']}).")
        work = i.get("work", {})
        if work.get("extra_step_seconds"):
            lines[-1] += " Where the extra time went (s): " + ", ".join(
                f"{k} +{v}" for k, v in work["extra_step_seconds"].items()) + "."
        if "claims_articles" in work:
            c = work["claims_articles"]
            lines[-1] += (f" Claims aligned {c['with_history']:,} articles with history ({c['with_stored_extraction']:,} "
                          f"of them not extracted again) vs {c['empty']:,}: {c['ms_per_article_with_history']} vs "
                          f"{c['ms_per_article_empty']} ms per article.")
        if "story_reports" in work:
            lines[-1] += (f" Story reports: {work['story_reports']['with_history']:,} vs "
                          f"{work['story_reports']['empty']:,}.")
    return "\n".join(lines) + "\n"


def write_results(reports: list[dict]) -> None:
    path = RESULTS / "pipeline.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    sizes = previous.get("sizes", {})
    for r in reports:  # a run on another corpus shape keeps its own section beside the default one's
        shape = f", event_sources {r['event_sources']}" if r.get("event_sources", 1) > 1 else ""
        sizes[r["size"] + shape] = r
    doc = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
           "targets": TARGETS, "updated": time.strftime("%Y-%m-%d %H:%M:%S"), "sizes": sizes}
    order = sorted(sizes.values(), key=lambda r: r["articles_per_night"])
    md = ["# Pipeline benchmark", "",
          f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}. Reproduce: "
          "`.venv/bin/python -m benchmarks.bench_pipeline --sizes 10k,100k` (see the module docstring). "
          f"Targets: {json.dumps(TARGETS)}.", ""] + [markdown(r) for r in order]
    for r in order:
        for s in r.get("stages", ["clean", "stories", "claims"]):
            if r[s].get("profile_top"):
                md += [f"#### Profile: {s} at {r['size']} (top functions by own time)", "",
                       "| function | calls | own s | cumulative s |", "|---|---|---|---|"]
                md += [f"| `{p['function']}` | {p['calls']:,} | {p['tottime_s']} | {p['cumtime_s']} |"
                       for p in r[s]["profile_top"]]
                md.append("")
    save_results("pipeline", doc, "\n".join(md))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_pipeline", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10k", help="comma-separated articles per night: 10k,100k,1m")
    parser.add_argument("--history-nights", type=int, default=1, help="nights of history before the measured one")
    parser.add_argument("--html-share", type=float, default=0.25)
    parser.add_argument("--event-sources", type=int, default=1,
                        help="real articles each event's text is cut from (benchmarks.corpus.CorpusShape)")
    parser.add_argument("--html-sample", type=int, default=2000, help="pages for the HTML vs trafilatura comparison")
    parser.add_argument("--datasketch-cap", type=int, default=50_000, help="articles for the datasketch reference")
    parser.add_argument("--sklearn-cap", type=int, default=4000, help="articles for the average-link reference")
    parser.add_argument("--skip-job", action="store_true", help="stages and references only, no Dagster job")
    parser.add_argument("--skip-claims", action="store_true",
                        help="clean and stories only: a scaling run of the stages whose work can grow faster "
                             "than the night (claims work story by story)")
    parser.add_argument("--job-rounds", type=int, default=2,
                        help="alternating runs of the measured night, empty vs on the history (fastest of each)")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile each stage in one process (slower, single-core rates; top functions in the report)")
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "wiretrace-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the generated corpora and warehouses")
    parser.add_argument("--child")
    parser.add_argument("--child-args")
    parser.add_argument("--child-out")
    opts = parser.parse_args(argv)
    if opts.child:
        result = _child_step(opts.child)(json.loads(opts.child_args))
        Path(opts.child_out).write_text(json.dumps(result, default=str))
        return 0
    workdir = Path(opts.workdir)
    reports = []
    for text in opts.sizes.split(","):
        n = parse_size(text)
        t = time.perf_counter()
        report = bench_size(n, opts, workdir)
        report["bench_wall_s"] = round(time.perf_counter() - t, 1)
        reports.append(report)
        print(markdown(report), flush=True)
        write_results(reports)
        if not opts.keep:
            shutil.rmtree(workdir / size_label(n), ignore_errors=True)
    print(f"wrote {RESULTS / 'pipeline.json'} and {RESULTS / 'pipeline.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

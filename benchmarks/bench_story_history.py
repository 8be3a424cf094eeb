"""The story stage after nights of history: what tonight's story pass costs on the state earlier nights left.

The incremental bar's story step, alone and without the warehouse: nights of the bench corpus (built and
cleaned as ``bench_pipeline`` builds them) are replayed through ``assign_night`` / ``apply_night`` /
``prune_state``, the state the warehouse would hold; the last night then runs on that state and on an
empty one, each side a fresh process, in alternating rounds. Reported per side: seconds by phase, every
similarity product of the night (``pairs_within``: the fragment step's, then the story pass's frontier
rounds; rows, pool, skipped columns, pairs, seconds), and the articles of the
live stories the night wrote rows for (what the claims stage aligns). After the history nights the live
stories are scored against the corpus's events and against the real articles the events were cut from
(``source_text``): how much of the stories' joining is the corpus reusing its texts.

The story pages of the night (``--pages``, on by default): after each side's measured night, the
copies of the live stories it wrote are diffed against their representatives and rendered
(``build_report`` + ``render_html``, one process, no claims: the part of a page that grows with the
story) twice: every copy diffed, as before ``reports.copy_diffs``, and with the diffs the earlier
nights would have kept (each earlier copy against its representative in the state before the night;
made before the clock starts), as the reports stage now runs.

    .venv/bin/python -m benchmarks.bench_story_history                       # 10k x (10 + 1) nights, ~35 min
    .venv/bin/python -m benchmarks.bench_story_history --event-sources 4     # events cut from 4 articles each
    .venv/bin/python -m benchmarks.bench_story_history --kept-pairs none     # every night multiplies its reach

Writes ``benchmarks/results/story_history.{json,md}`` (one section per corpus shape and size).
"""

import argparse
import json
import pickle
import platform
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks import RESULTS, save_results
from benchmarks.bench_pipeline import STORY_PHASES, parse_size, run_child, size_label

START = date(2025, 6, 1)
ARTICLE_COLUMNS = ["article_id", "outlet", "title", "body", "published_date", "ingest_date"]


def _night(k: int) -> date:
    return START + timedelta(days=k)


def _params(args: dict):
    from dataclasses import replace

    from wiretrace.stories import StoryParams

    return replace(StoryParams(), kept_pair_threshold=args["kept_pair_threshold"])


def step_replay(args: dict) -> dict:
    """Nights 0..n-1 through the story stage in memory; the state before night n, pickled."""
    import polars as pl

    from benchmarks.bench_stories import bcubed
    from wiretrace.stories import StoryState, apply_night, assign_night, prune_state, resolve_members

    work, n, params = Path(args["workdir"]), args["history_nights"], _params(args)
    state, seconds = StoryState.empty(), []
    for k in range(n):
        arts = pl.read_parquet(work / f"articles_{k}.parquet").select(ARTICLE_COLUMNS)
        state = prune_state(state, _night(k), params)
        t = time.perf_counter()
        result = assign_night(arts, state, params=params, workers=2)
        seconds.append(round(time.perf_counter() - t, 1))
        state = apply_night(state, result, arts)
    live = resolve_members(state.fingerprints.select("article_id", "story_id"), state.stories)
    state = prune_state(state, _night(n), params)
    with open(work / "state.pkl", "wb") as f:
        pickle.dump(state, f)
    # a clean article's id is its raw document's id
    truth = pl.read_parquet(args["corpus"], columns=["document_id", "event_id", "source_text"])
    scored = live.join(truth, left_on="article_id", right_on="document_id")
    sizes = scored.group_by("story_id").agg(articles=pl.len(), events=pl.col("event_id").n_unique(),
                                            sources=pl.col("source_text").n_unique())
    largest = sizes.sort("articles", "story_id", descending=[True, False]).row(0, named=True)
    stories = scored["story_id"].to_list()
    return {"story_seconds_per_night": seconds, "articles": scored.height, "kept_pairs": state.group_pairs.height,
            "events": scored["event_id"].n_unique(), "live_stories": sizes.height,
            "vs_events": bcubed(scored["event_id"].to_list(), stories),
            "vs_source_texts": bcubed(scored["source_text"].to_list(), stories),
            "largest_story": {k: largest[k] for k in ("articles", "events", "sources")}}


def step_night(args: dict) -> dict:
    """The measured night on the replayed state (side 'history') or an empty one, with its phases."""
    import polars as pl

    from benchmarks.bench_pipeline import PhaseTimer
    from wiretrace.stories import StoryState, apply_night, assign_night, resolve_members
    from wiretrace.stories import pipeline as story_pipeline

    work = Path(args["workdir"])
    state = StoryState.empty()
    if args["side"] == "history":
        with open(work / "state.pkl", "rb") as f:
            state = pickle.load(f)
    arts = pl.read_parquet(work / f"articles_{args['night_index']}.parquet").select(ARTICLE_COLUMNS)
    products, inner = [], story_pipeline.pairs_within

    def logged(vectors, rows, threshold, threads=None, *, skip=None):
        t = time.perf_counter()
        out = inner(vectors, rows, threshold, threads, skip=skip)
        products.append({"pool": vectors.shape[0], "rows": len(rows), "skipped": 0 if skip is None else len(skip),
                         "pairs": len(out[0]), "seconds": round(time.perf_counter() - t, 2)})
        return out

    story_pipeline.pairs_within = logged
    timer = PhaseTimer()
    for name in STORY_PHASES:
        timer.wrap(story_pipeline, name)
    try:
        t = time.perf_counter()
        result = assign_night(arts, state, params=_params(args), workers=2)
        seconds = time.perf_counter() - t
    finally:
        timer.restore()
        story_pipeline.pairs_within = inner
    after = apply_night(state, result, arts)
    live = resolve_members(after.fingerprints.select("article_id", "story_id"), after.stories)
    written = resolve_members(result.stories.select("story_id"), after.stories)["story_id"].unique()
    out = {"side": args["side"], "seconds": seconds, "phases": {k: round(v, 1) for k, v in timer.seconds.items()},
           "articles": arts.height, "stories_written": written.len(),
           "articles_in_written_stories": live.filter(pl.col("story_id").is_in(written.implode())).height,
           "products": products}
    if args.get("pages"):
        out["pages"] = _pages(state, after, written)
    return out


def _pages(before, after, written) -> dict:
    """The written stories' copy sections, every copy diffed vs with the diffs earlier nights kept."""
    import polars as pl

    from wiretrace.report.batch import new_diffs_of
    from wiretrace.report.data import Article, StoryRows, build_report
    from wiretrace.report.diff import diff_copy
    from wiretrace.report.markup import diff_key, stored_diff
    from wiretrace.report.render import render_html
    from wiretrace.stories import resolve_members

    def representatives(state):
        return state.copy_groups.select("copy_group_id", "representative_article_id")

    members = (resolve_members(after.fingerprints.select("article_id", "story_id", "copy_group_id", "outlet",
                                                         "published_date"), after.stories)
               .filter(pl.col("story_id").is_in(written.implode())).unique("article_id")
               .join(representatives(after), on="copy_group_id", how="left")
               .with_columns(pl.col("representative_article_id").fill_null(pl.col("article_id"))))
    texts = after.bodies.of(members["article_id"])
    body = dict(zip(texts["article_id"], texts["body"], strict=True))
    members = (members.join(texts.select("article_id", "title"), on="article_id", how="left")
               .sort("story_id", "copy_group_id", "published_date", "article_id"))
    # what the reports stage kept on earlier nights: each earlier copy against its representative then
    earlier = (members.filter(pl.col("article_id").is_in(before.fingerprints["article_id"].implode()))
               .drop("representative_article_id").join(representatives(before), on="copy_group_id")
               .filter((pl.col("article_id") != pl.col("representative_article_id"))
                       & pl.col("representative_article_id").is_in(list(body))))
    kept = {a: stored_diff(diff_copy(body[a], body[r]), diff_key(body[a], body[r]))
            for a, r in zip(earlier["article_id"], earlier["representative_article_id"], strict=True)}
    story = {"label": None, "first_seen": None, "last_seen": None, "ingest_date": None}
    stories = [[Article(r["article_id"], r["copy_group_id"], r["representative_article_id"], r["outlet"], r["title"],
                        r["published_date"], r["published_date"], body.get(r["article_id"], ""))
                for r in part.to_dicts()]
               for _, part in members.group_by(["story_id"], maintain_order=True)]
    out = {"stories": len(stories), "articles": members.height, "kept_diffs": len(kept)}
    for mode in ("every_copy_diffed", "kept_diffs"):
        made = 0
        t = time.perf_counter()
        for articles in stories:
            stored = None if mode == "every_copy_diffed" else {a.article_id: kept[a.article_id]
                                                              for a in articles if a.article_id in kept}
            report = build_report(StoryRows("", story, articles, [], [], stored))
            render_html(report)
            made += (sum(len(g.copies) for g in report.copy_groups) if stored is None
                     else len(new_diffs_of(report, stored)))
        out[mode] = {"seconds": round(time.perf_counter() - t, 1), "copies_diffed": made}
    return out


def bench(per_night: int, history_nights: int, event_sources: int, kept_pairs: float | None, rounds: int,
          workdir: Path, pages: bool = True) -> dict:
    nights = history_nights + 1
    corpus = workdir / "corpus.parquet"
    report = {"articles_per_night": per_night, "history_nights": history_nights, "event_sources": event_sources,
              "kept_pair_threshold": kept_pairs}
    print(f"generating {nights} nights of ~{per_night} articles (event_sources={event_sources})", flush=True)
    report["corpus"] = run_child("generate", {"n": per_night, "nights": nights, "start": START.isoformat(),
                                              "html_share": 0.25, "event_sources": event_sources,
                                              "corpus": str(corpus)}, workdir)
    for k in range(nights):
        print(f"clean night {k + 1}", flush=True)
        run_child("clean", {"corpus": str(corpus), "night": _night(k).isoformat(),
                            "articles_out": str(workdir / f"articles_{k}.parquet")}, workdir)
    print(f"replaying {history_nights} history nights", flush=True)
    report["history"] = run_child("benchmarks.bench_story_history:step_replay",
                                  {"workdir": str(workdir), "history_nights": history_nights,
                                   "corpus": str(corpus), "kept_pair_threshold": kept_pairs}, workdir)
    report["rounds"] = []
    for r in range(rounds):
        for side in ("empty", "history"):
            print(f"night {nights}, {side} (round {r + 1})", flush=True)
            report["rounds"].append(run_child("benchmarks.bench_story_history:step_night",
                                              {"workdir": str(workdir), "side": side,
                                               "night_index": history_nights, "pages": pages,
                                               "kept_pair_threshold": kept_pairs}, workdir))
    fastest = {side: min((x for x in report["rounds"] if x["side"] == side), key=lambda x: x["seconds"])
               for side in ("empty", "history")}
    report["ratio"] = fastest["history"]["seconds"] / fastest["empty"]["seconds"]
    return report


def _key(report: dict) -> str:
    # sections written before kept pairs existed multiplied the whole reach: they keep their keys
    kept = report.get("kept_pair_threshold")
    return (f"{size_label(report['articles_per_night'])} x {report['history_nights']}+1 nights, "
            f"event_sources {report['event_sources']}" + ("" if kept is None else f", kept pairs {kept}"))


def markdown(sections: dict) -> str:
    lines = ["# The story stage after nights of history (`benchmarks/bench_story_history.py`)", ""]
    for key, r in sections.items():
        h = r["history"]
        lines += [f"## {key}", "",
                  f"After the history nights: {h['articles']:,} articles, {h['events']:,} events, "
                  f"{h['live_stories']:,} live stories; B-cubed against events P {h['vs_events']['precision']:.3f} "
                  f"R {h['vs_events']['recall']:.3f}, against source texts P {h['vs_source_texts']['precision']:.3f}; "
                  f"largest story {h['largest_story']['articles']} articles of {h['largest_story']['events']} events "
                  f"({h['largest_story']['sources']} source texts). Story stage per history night (s): "
                  + ", ".join(map(str, h["story_seconds_per_night"])) + "."
                  + (f" Kept pairs in the state of the measured night: {h['kept_pairs']:,}." if "kept_pairs" in h else ""),
                  "",
                  f"Measured night: history / empty (fastest rounds) = **{r['ratio']:.2f}**.", "",
                  *_pages_lines(r["rounds"]),
                  "| round | side | seconds | story pass | articles in written stories | products: fragments, then the story pass's (rows x pool, skipped: s) |",
                  "|---|---|---|---|---|---|"]
        for k, x in enumerate(r["rounds"]):
            products = "; ".join(f"{p['rows']:,} x {p['pool']:,}, {p['skipped']:,}: {p['seconds']}" for p in x["products"])
            lines.append(f"| {k // 2 + 1} | {x['side']} | {x['seconds']:.1f} | {x['phases'].get('_story_pass', 0):.1f} "
                         f"| {x['articles_in_written_stories']:,} | {products} |")
        lines.append("")
    return "\n".join(lines)


def _pages_lines(rounds: list[dict]) -> list[str]:
    with_pages = [x for x in rounds if "pages" in x]
    if not with_pages:
        return []
    lines = ["Story pages of the written stories (copies diffed and rendered, one process; kept: with the diffs "
             "earlier nights kept in reports.copy_diffs):", "",
             "| round | side | stories | articles | every copy diffed: s (copies) | with kept diffs: s (copies diffed) |",
             "|---|---|---|---|---|---|"]
    for k, x in enumerate(rounds):
        if "pages" in x:
            p = x["pages"]
            lines.append(f"| {k // 2 + 1} | {x['side']} | {p['stories']:,} | {p['articles']:,} "
                         f"| {p['every_copy_diffed']['seconds']:.1f} ({p['every_copy_diffed']['copies_diffed']:,}) "
                         f"| {p['kept_diffs']['seconds']:.1f} ({p['kept_diffs']['copies_diffed']:,}) |")
    return lines + [""]


def _kept_pairs(option: str) -> float | None:
    from wiretrace.stories import StoryParams

    if option == "default":
        return StoryParams().kept_pair_threshold
    return None if option == "none" else float(option)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_story_history", description=__doc__.split("\n")[0])
    parser.add_argument("--per-night", default="10k")
    parser.add_argument("--history-nights", type=int, default=10)
    parser.add_argument("--event-sources", type=int, default=1)
    parser.add_argument("--kept-pairs", default="default",
                        help="StoryParams.kept_pair_threshold ('none': every night multiplies its reach)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (empty, history) of the measured night")
    parser.add_argument("--no-pages", action="store_true", help="skip the story pages after each measured night")
    opts = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wiretrace-story-history-") as folder:
        report = bench(parse_size(opts.per_night), opts.history_nights, opts.event_sources,
                       _kept_pairs(opts.kept_pairs), opts.rounds, Path(folder), pages=not opts.no_pages)
    previous = RESULTS / "story_history.json"
    sections = json.loads(previous.read_text())["sections"] if previous.exists() else {}
    sections[_key(report)] = report
    save_results("story_history", {"machine": platform.platform(), "updated": time.strftime("%Y-%m-%d %H:%M"),
                                   "sections": sections}, markdown(sections))
    print(markdown({_key(report): report}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How dense a night's story graph is: pairs of *different* events at or above the story thresholds.

The story stage's work follows the pairs of copy-group vectors at cosine >= story_threshold (0.175) and
>= fragment_threshold (0.4): the similarity products must find them and the agglomeration walks them.
Pairs inside one event are few and linear in the night; pairs between different events grow with the
square of the night at whatever rate the text makes them. This measures that rate, per pair of different
events and per document, with the story stage's own vectors (term weights, IDF over the pool, names
share):
- on real text, ECB+ dev (772 articles): documents of different topics are unrelated events; different
  subtopics of one topic are distinct events of one kind (ECB+ pairs them on purpose: two earthquakes);
- on the synthetic benchmark corpus (benchmarks/corpus.py): the original article of each event, at
  several pool sizes. Its events reuse ~950 real texts (each text seeds ~20 events per 100k articles),
  so its cross-event rate is what makes the story stage quadratic on it.

    .venv/bin/python -m benchmarks.bench_pairs          # ~2 min; writes benchmarks/results/pairs.{json,md}
"""

import json
import platform
import time
from datetime import date

import numpy as np
import polars as pl

from benchmarks import save_results
from benchmarks.corpus import CORPORA, CorpusShape, generate
from wiretrace.clean import clean_documents
from wiretrace.stories.pipeline import StoryParams
from wiretrace.stories.vectors import list_series, raw_matrix, similar_pairs, term_weights, tfidf

PARAMS = StoryParams()
THRESHOLDS = (PARAMS.story_threshold, PARAMS.fragment_threshold)


def story_vectors(titles: list[str | None], bodies: list[str]):
    terms = [term_weights(t, b) for t, b in zip(titles, bodies)]
    raw = raw_matrix(list_series([t[0] for t in terms], pl.UInt32), list_series([t[1] for t in terms], pl.Float32))
    return tfidf(raw, name_share=PARAMS.name_share)


def cross_event_pairs(name: str, titles, bodies, event: np.ndarray) -> dict:
    """Pairs of documents of different events at or above each threshold: count, share of all such
    pairs, and per document (the neighbours each one brings to the story graph)."""
    vectors = story_vectors(titles, bodies)
    n = vectors.shape[0]
    rows, cols, sims = similar_pairs(vectors, vectors, min(THRESHOLDS))
    upper = rows < cols
    rows, cols, sims = rows[upper], cols[upper], sims[upper]
    cross = event[rows] != event[cols]
    sizes = np.unique(event, return_counts=True)[1]
    all_cross = n * (n - 1) // 2 - int((sizes * (sizes - 1) // 2).sum())
    out = {"pool": name, "documents": n, "events": len(sizes), "cross_event_pairs": all_cross}
    for t in THRESHOLDS:
        k = int((cross & (sims >= np.float32(t))).sum())
        out[f"at_{t}"] = {"pairs": k, "share": k / all_cross if all_cross else 0.0, "per_document": 2 * k / n}
    return out


def ecb_pools() -> list[dict]:
    rows = [json.loads(line) for line in open(CORPORA / "ecbplus" / "dev.jsonl", encoding="utf-8")]
    titles, bodies = [r.get("title") for r in rows], [r["text"] for r in rows]
    topic = np.array([int(r["id"].split("_")[0]) for r in rows])
    subtopic = np.unique([f"{t}{'+' if 'plus' in r['id'] else ''}" for t, r in zip(topic, rows)], return_inverse=True)[1]
    return [cross_event_pairs("ECB+ dev, events = topics (unrelated events)", titles, bodies, topic),
            cross_event_pairs("ECB+ dev, events = subtopics (events of one kind count as different)", titles, bodies,
                              subtopic)]


def synthetic_pools(sizes=(772, 5000, 15000)) -> list[dict]:
    corpus = generate(max(sizes) * 6, 1, shape=CorpusShape(html_share=0.0))  # ~5.5 articles per event
    originals = corpus.filter(pl.col("copy_kind") == "original")
    docs = originals.select("document_id", "outlet", "content_type", "raw_text", "source_url", "title_hint",
                            "published_hint")
    cleaned = clean_documents(docs, as_of=date(2025, 6, 1)).articles.join(
        originals.select("document_id", "event_id"), on="document_id").sort("event_id")
    out = []
    for size in sizes:
        part = cleaned.head(size)
        out.append(cross_event_pairs(f"synthetic corpus, {part.height} event originals", part["title"].to_list(),
                                     part["body"].to_list(), part["event_id"].to_numpy()))
    return out


def markdown(report: dict) -> str:
    lines = [f"# Cross-event pairs at the story thresholds ({report['when']})", "",
             "Pairs of documents of different events at or above each threshold, with the story stage's vectors "
             "(`python -m benchmarks.bench_pairs`).", "",
             "| pool | documents | " + " | ".join(f"share >= {t} | per document >= {t}" for t in THRESHOLDS) + " |",
             "|---|---|" + "---|---|" * len(THRESHOLDS)]
    for p in report["pools"]:
        cells = [f"{p[f'at_{t}']['share']:.5f} | {p[f'at_{t}']['per_document']:.2f}" for t in THRESHOLDS]
        lines.append(f"| {p['pool']} | {p['documents']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    started = time.perf_counter()
    report = {"when": time.strftime("%Y-%m-%d %H:%M"), "machine": platform.platform(),
              "thresholds": list(THRESHOLDS), "pools": ecb_pools() + synthetic_pools()}
    report["seconds"] = round(time.perf_counter() - started, 1)
    text = markdown(report)
    save_results("pairs", report, text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Per-outlet line frequency across DISTINCT stories.

A line that recurs in many articles of one outlet is boilerplate even when no pattern names it — but a
night that holds several copies of one story must not make that story's sentences look like
boilerplate (counting copies deleted real article text once: recall 0.95 → 0.79). So recurrence is
counted over story clusters, not documents:

* every document gets a cheap near-duplicate fingerprint: a 1/4 sample of the hashes of its word
  5-gram shingles (a fixed sample, so it is stable across processes and nights);
* inside one outlet, two documents are the same story when the smaller one's sampled shingles are at
  least ``SAME_STORY_CONTAINMENT`` contained in the other's (partial copies join, distinct stories
  sharing only a footer do not: a footer is a small share of an article's shingles);
* a line's evidence is the number of distinct story clusters it occurs in, tonight plus the stored
  ``clean.line_stats`` of earlier nights (whose ``story_keys`` stop a story from being counted twice).

Errors of the fingerprint lean to the safe side: two short distinct stories sharing a long footer may
merge into one cluster, which under-counts the footer (boilerplate kept), never the reverse.
"""

import re
from collections import defaultdict
from datetime import date

import numpy as np
import polars as pl
import xxhash

SAME_STORY_CONTAINMENT = 0.5
SHINGLE = 5
SAMPLE_MOD = 4
MAX_POSTING = 200        # a shingle in more docs than this is itself boilerplate: no linking evidence
MAX_STORY_KEYS = 32      # stored keys per line; beyond this only the count grows
MAX_LINE_WORDS = 50      # longer lines are article paragraphs, never tracked
_POW = np.array([1_000_003 ** k % 2**64 for k in range(SHINGLE)], dtype=np.uint64)

_WORD = re.compile(r"\w+")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_SPACE = re.compile(r"\s+")

LINE_STATS_SCHEMA = {
    "outlet": pl.String,
    "line_hash": pl.String,
    "example_text": pl.String,
    "n_stories": pl.Int64,
    "n_documents": pl.Int64,
    "first_seen": pl.Date,
    "last_seen": pl.Date,
    "story_keys": pl.List(pl.String),
}


def normalise_line(text: str) -> str:
    """Case-, year- and space-insensitive form of a line ('© 2024 X' and '© 2025 X' are one line).

    Only years are folded: folding all digits would make score or price lines of distinct stories
    look identical.
    """
    return _SPACE.sub(" ", _YEAR.sub("0000", text.lower())).strip(" .:;|•-–—*")


def line_hash(text: str) -> str:
    return xxhash.xxh3_64_hexdigest(normalise_line(text).encode())


def story_fingerprint(lines: list[str]) -> frozenset[int]:
    """Sampled word-5-gram shingle hashes of a document's text (its near-duplicate key).

    Token hashes are combined with a rolling polynomial in numpy (one pass, no string joins); the
    hashes are stable across processes (xxhash of each token), so fingerprints are reproducible.
    """
    tokens = _WORD.findall(" ".join(lines).lower())
    if not tokens:
        return frozenset()
    h = np.fromiter((xxhash.xxh32_intdigest(t.encode()) for t in tokens), dtype=np.uint64, count=len(tokens))
    if len(tokens) < SHINGLE:
        return frozenset([int(np.bitwise_xor.reduce(h * _POW[:len(h)]))])
    n = len(tokens) - SHINGLE + 1
    acc = np.zeros(n, dtype=np.uint64)
    for k in range(SHINGLE):  # uint64 arithmetic wraps: a cheap polynomial hash of each 5-gram
        acc = acc * np.uint64(1_000_003) + h[k:k + n]
    sampled = acc[acc % np.uint64(SAMPLE_MOD) == 0]
    return frozenset(sampled.tolist()) if sampled.size else frozenset([int(acc.min())])


def story_clusters(fingerprints: list[frozenset[int]]) -> list[int]:
    """Cluster index per document: union of documents whose fingerprints contain one another."""
    n = len(fingerprints)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    postings: dict[int, list[int]] = defaultdict(list)
    for i, fp in enumerate(fingerprints):
        for v in fp:
            postings[v].append(i)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for docs in postings.values():
        if len(docs) < 2 or len(docs) > MAX_POSTING:
            continue
        for a_i in range(len(docs)):
            for b_i in range(a_i + 1, len(docs)):
                shared[(docs[a_i], docs[b_i])] += 1
    for (a, b), k in shared.items():
        smaller = min(len(fingerprints[a]), len(fingerprints[b]))
        if smaller and k / smaller >= SAME_STORY_CONTAINMENT:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(n)]


def story_key(fingerprint: frozenset[int], document_id: str) -> str:
    """A stable key for a story cluster: its founding document's smallest shingle hash."""
    return f"{min(fingerprint):016x}" if fingerprint else f"doc:{document_id}"


def empty_line_stats() -> pl.DataFrame:
    return pl.DataFrame(schema=LINE_STATS_SCHEMA)


class OutletLineCounter:
    """Counts tonight's line occurrences per outlet over story clusters and merges stored stats."""

    def __init__(self, stored: pl.DataFrame | None):
        # (outlet, hash) -> [example, n_stories, n_documents, first_seen, last_seen, set(keys)]
        self.stored: dict[tuple[str, str], list] = {}
        if stored is not None and stored.height:
            cols = [c for c in LINE_STATS_SCHEMA if c in stored.columns]
            for row in stored.select(cols).iter_rows(named=True):
                self.stored[(row["outlet"], row["line_hash"])] = [
                    row["example_text"], row["n_stories"], row["n_documents"], row["first_seen"],
                    row["last_seen"], set(row.get("story_keys") or [])]
        self.tonight: dict[tuple[str, str], list] = {}

    def add_outlet(self, outlet: str, doc_ids: list[str], doc_lines: list[list[str]]) -> None:
        """Register one outlet's documents of tonight (lines already markup-free)."""
        fps = [story_fingerprint(lines) for lines in doc_lines]
        clusters = story_clusters(fps)
        founders: dict[int, int] = {}
        for i, c in enumerate(clusters):
            if c not in founders or doc_ids[i] < doc_ids[founders[c]]:
                founders[c] = i
        keys = {c: story_key(fps[i], doc_ids[i]) for c, i in founders.items()}
        for i, lines in enumerate(doc_lines):
            key = keys[clusters[i]]
            seen = set()
            for text in lines:
                if not text or len(text.split()) > MAX_LINE_WORDS:
                    continue
                h = line_hash(text)
                if h in seen:
                    continue
                seen.add(h)
                entry = self.tonight.get((outlet, h))
                if entry is None:
                    entry = self.tonight[(outlet, h)] = [text, set(), 0]
                entry[1].add(key)
                entry[2] += 1

    def n_stories(self, outlet: str, h: str) -> int:
        """Distinct stories (stored + tonight's new ones) the line occurs in."""
        old = self.stored.get((outlet, h))
        new = self.tonight.get((outlet, h))
        if old is None:
            return len(new[1]) if new else 0
        if new is None:
            return old[1]
        return old[1] + len(new[1] - old[5])

    def merged(self, as_of: date, keep_below_days: int, min_stories: int) -> pl.DataFrame:
        """Stored stats updated with tonight; rare lines not seen for ``keep_below_days`` are dropped."""
        rows = []
        for k in set(self.stored) | set(self.tonight):
            outlet, h = k
            old, new = self.stored.get(k), self.tonight.get(k)
            if old is None:
                ex, keys, ndocs = new
                rows.append((outlet, h, ex, len(keys), ndocs, as_of, as_of, sorted(keys)[:MAX_STORY_KEYS]))
                continue
            ex, n_st, n_docs, first, last, keys = old
            if new is not None:
                fresh = new[1] - keys
                n_st += len(fresh)
                n_docs += new[2]
                keys = keys | fresh
                first = min(first, as_of) if first else as_of
                last = max(last, as_of) if last else as_of
            elif n_st < min_stories and last and (as_of - last).days > keep_below_days:
                continue
            rows.append((outlet, h, ex, n_st, n_docs, first, last, sorted(keys)[:MAX_STORY_KEYS]))
        if not rows:
            return empty_line_stats()
        return pl.DataFrame(rows, schema=LINE_STATS_SCHEMA, orient="row").sort(["outlet", "line_hash"])

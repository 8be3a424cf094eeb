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
from functools import lru_cache
from datetime import date

import numpy as np
import polars as pl
import xxhash
from scipy import sparse
from scipy.sparse.csgraph import connected_components

SAME_STORY_CONTAINMENT = 0.5
SHINGLE = 5
SAMPLE_MOD = 4
MAX_POSTING = 200        # a shingle in more docs than this is itself boilerplate: no linking evidence
MAX_STORY_KEYS = 32      # stored keys per line; beyond this only the count grows
MAX_LINE_WORDS = 50      # longer lines are article paragraphs, never tracked
_POW = np.array([1_000_003 ** k % 2**64 for k in range(SHINGLE)], dtype=np.uint64)


_WORD = re.compile(r"\w+")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")

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
    low = text.lower()
    if "19" in low or "20" in low:
        low = _YEAR.sub("0000", low)
    return " ".join(low.split()).strip(_NORMALISE_STRIP)


_NORMALISE_STRIP = " .:;|•-–—*"


def line_hash(text: str) -> str:
    return xxhash.xxh3_64_hexdigest(normalise_line(text).encode())


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: spreads every input bit over the output (uint64, wraps)."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _word_char_table() -> np.ndarray:
    """is-word-character per BMP code point, as ``re``'s ``\\w`` defines it (alphanumeric or '_')."""
    table = np.fromiter((chr(c).isalnum() for c in range(0x10000)), dtype=bool, count=0x10000)
    table[ord("_")] = True
    table[0xD800:0xE000] = False  # lone surrogates
    return table


_IS_WORD = _word_char_table()
_IS_WORD_OR_ASTRAL = np.append(_IS_WORD, True)  # index 0x10000 stands for every astral code point
# BMP code points whose str.lower depends on context or yields two: final sigma, dotted capital I
_LOWER_CONTEXTUAL = np.zeros(0x10000, dtype=bool)
_LOWER_CONTEXTUAL[[0x03A3, 0x0130]] = True
_P = np.uint64(0x100000001B3)
_P_INV = np.uint64(pow(0x100000001B3, -1, 2**64))


def _powers(base: np.uint64, n: int) -> np.ndarray:
    """base**k mod 2**64 for k < n: one accumulate over a first block, then whole blocks times
    base**block (an accumulate over millions of elements is ten times slower)."""
    block = min(n, 1 << 16)
    first = np.full(block, base, dtype=np.uint64)
    first[0] = 1
    first = np.multiply.accumulate(first, dtype=np.uint64)
    out = np.empty(n, dtype=np.uint64)
    out[:block] = first
    step = (first[-1:] * base)[0]  # base**block (array arithmetic: wraps without a warning)
    for start in range(block, n, block):
        stop = min(start + block, n)
        np.multiply(out[start - block:stop - block], step, out=out[start:stop])
    return out


_POW_CACHE = {"n": 0, "p": np.empty(0, np.uint64), "inv": np.empty(0, np.uint64)}


def _pow_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    if _POW_CACHE["n"] < n:
        m = max(n, 2 * _POW_CACHE["n"], FINGERPRINT_CHUNK_CHARS + (1 << 20))
        _POW_CACHE.update(n=m, p=_powers(_P, m), inv=_powers(_P_INV, m))
    return _POW_CACHE["p"][:n], _POW_CACHE["inv"][:n]


@lru_cache(maxsize=1)
def _lowercase_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indexed by BMP code point, and 0x10000 for every astral one: its ``str.lower`` (surrogates and
    the ``_LOWER_CONTEXTUAL`` ones map to themselves), whether that is a word character, and whether
    the text holding it must be lowered by Python (astral, ``_LOWER_CONTEXTUAL``)."""
    lower = np.arange(0x10001, dtype=np.uint32)
    special = np.zeros(0x10001, dtype=bool)
    special[0x10000] = True
    special[:0x10000] = _LOWER_CONTEXTUAL
    plain = np.flatnonzero(~special[:0x10000] & ~((lower[:0x10000] >= 0xD800) & (lower[:0x10000] < 0xE000)))
    lower[plain] = np.frombuffer("".join(map(chr, plain.tolist())).lower().encode("utf-32-le"), dtype=np.uint32)
    word_of_lower = _IS_WORD_OR_ASTRAL[np.minimum(lower, 0x10000)]
    return lower, word_of_lower, special


def _code_points(texts: list[str]) -> np.ndarray:
    # NUL between texts is not a word character: tokens never span documents
    return np.frombuffer("\x00".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _token_hashes_with_doc(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(hash, document index) of every ``\\w+`` token of ``texts`` (lowercased), all documents at once.

    The texts' code points get one polynomial prefix hash; a token's hash is the difference of two
    prefix values rebased to its start (the base is odd, so it has an inverse mod 2**64), then
    finalised. Stable across processes, machines and library versions (no seeded hash). Astral code
    points (emoji, rare CJK) count as word characters.
    """
    cps = _code_points(texts)
    if not cps.size:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    lower, word_of_lower, special = _lowercase_tables()
    # ASCII (the bulk of a night) is lowered and classified by arithmetic (under 1 ns a character);
    # only the other code points go through the 65k-entry tables (a gather costs ~2.5 ns a character)
    wide = np.flatnonzero(cps >= 0x80)
    at = np.minimum(cps[wide], 0x10000)  # table index; 0x10000 stands for every astral code point
    # texts holding a code point whose str.lower the BMP table cannot give (astral, final sigma,
    # dotted capital I) are lowered by Python first; the table then lowers every BMP code point
    # (idempotent on lowered text)
    if special[at].any():
        bounds = np.cumsum([0] + [len(t) + 1 for t in texts])
        need = set(np.unique(np.searchsorted(bounds, wide[special[at]], side="right") - 1).tolist())
        texts = [t.lower() if i in need else t for i, t in enumerate(texts)]
        cps = _code_points(texts)
        wide = np.flatnonzero(cps >= 0x80)
        at = np.minimum(cps[wide], 0x10000)
    cps = cps + (((cps - np.uint32(65)) < np.uint32(26)).view(np.uint8).astype(np.uint32) << np.uint32(5))  # A-Z
    word = np.zeros(cps.size + 2, dtype=bool)  # word flags with a non-word character at each end
    inner = word[1:-1]
    np.less(cps - np.uint32(97), np.uint32(26), out=inner)
    inner |= (cps - np.uint32(48)) < np.uint32(10)
    inner |= cps == np.uint32(95)
    if wide.size:
        cps[wide] = np.where(at == 0x10000, cps[wide], lower[at])
        inner[wide] = word_of_lower[at]
    edges = np.flatnonzero(word[1:] != word[:-1])
    starts, ends = edges[0::2], edges[1::2]
    pw, inv = _pow_tables(cps.size + 1)
    prefix = np.zeros(cps.size + 1, dtype=np.uint64)
    np.multiply(cps, pw[:cps.size], out=prefix[1:], dtype=np.uint64)
    np.cumsum(prefix[1:], out=prefix[1:])
    hashes = _fmix64((prefix[ends] - prefix[starts]) * inv[starts])
    doc_start = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])  # code point offset of each text
    per_doc = np.diff(np.append(np.searchsorted(starts, doc_start), starts.size))  # tokens are in order
    return hashes, np.repeat(np.arange(len(texts), dtype=np.int64), per_doc)


def token_hashes(text: str) -> np.ndarray:
    """64-bit hashes of the ``\\w+`` tokens of one text (see ``_token_hashes_with_doc``)."""
    return _token_hashes_with_doc([text])[0]


FINGERPRINT_CHUNK_CHARS = 250_000  # per numpy pass: keeps the temporaries (~8 x 8 bytes a character) cache-sized (2M: 0.85 s, 250k: 0.64 s on 8,000 texts)


def story_fingerprints(docs: list[list[str]]) -> list[frozenset[int]]:
    """``story_fingerprints_of_texts`` of each document's lines joined by newlines."""
    return story_fingerprints_of_texts(["\n".join(d) for d in docs])


def story_fingerprints_of_texts(texts: list[str]) -> list[frozenset[int]]:
    """Each text's fingerprint as a set (see ``fingerprint_arrays``)."""
    doc, vals = fingerprint_arrays(texts)
    order = np.argsort(doc, kind="stable")
    bounds = np.searchsorted(doc[order], np.arange(len(texts) + 1)).tolist()
    flat = vals[order].tolist()
    return [frozenset(flat[bounds[i]:bounds[i + 1]]) for i in range(len(texts))]


def fingerprint_arrays(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Sampled word-5-gram shingle hashes of each text (a document's lines joined by newlines): its
    near-duplicate key, as flat (document index, hash) arrays, in no particular order; a hash can
    repeat within a document (a repeated 5-gram).

    Columnar over the whole batch: tokens of all documents are hashed together, 5-gram hashes are a
    rolling polynomial over the token array (a shingle that spans two documents is dropped), sampled
    on well-mixed bits (1 in ``SAMPLE_MOD``). A document of fewer than 5 tokens gets one hash of all
    its tokens; one whose 5-grams all miss the sample keeps its smallest. uint64 arithmetic wraps.
    """
    docs, vals = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.uint64)]
    start = 0
    while start < len(texts):
        stop, size = start, 0
        while stop < len(texts) and (stop == start or size < FINGERPRINT_CHUNK_CHARS):
            size += len(texts[stop]) + 1
            stop += 1
        d, v = _fingerprint_chunk(texts[start:stop])
        docs.append(d + start)
        vals.append(v)
        start = stop
    return np.concatenate(docs), np.concatenate(vals)


def _fingerprint_chunk(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    h, doc = _token_hashes_with_doc(texts)
    n_tok = np.bincount(doc, minlength=len(texts)) if doc.size else np.zeros(len(texts), dtype=np.int64)
    tok_start = np.concatenate(([0], np.cumsum(n_tok)))
    short = np.flatnonzero((n_tok > 0) & (n_tok < SHINGLE))  # short documents: one hash of all tokens
    out_doc = [short]
    out_val = [np.array([np.bitwise_xor.reduce(h[tok_start[i]:tok_start[i + 1]] * _POW[:n_tok[i]]) for i in short],
                        dtype=np.uint64)]
    if h.size >= SHINGLE:
        n = h.size - SHINGLE + 1
        acc = np.zeros(n, dtype=np.uint64)
        for k in range(SHINGLE):
            acc = acc * np.uint64(1_000_003) + h[k:k + n]
        acc = _fmix64(acc)
        sh_doc = doc[:n]
        valid = sh_doc == doc[SHINGLE - 1:]  # shingles inside one document only
        keep = valid & (acc % np.uint64(SAMPLE_MOD) == 0)
        out_doc.append(sh_doc[keep])
        out_val.append(acc[keep])
        kept_per_doc = np.bincount(sh_doc[keep], minlength=len(texts))
        # documents whose every 5-gram missed the sample keep their smallest one
        missed = np.flatnonzero((n_tok >= SHINGLE) & (kept_per_doc == 0))
        if missed.size:
            vdoc, vacc = sh_doc[valid], acc[valid]  # ordered by document
            lo, hi = np.searchsorted(vdoc, missed), np.searchsorted(vdoc, missed, side="right")
            out_doc.append(missed)
            out_val.append(np.array([vacc[a:b].min() for a, b in zip(lo, hi)], dtype=np.uint64))
    return np.concatenate(out_doc).astype(np.int64), np.concatenate(out_val)


def story_fingerprint(lines: list[str]) -> frozenset[int]:
    """One document's fingerprint (see ``story_fingerprints``)."""
    return story_fingerprints([lines])[0]


def story_clusters(fingerprints: list[frozenset[int]]) -> list[int]:
    """Cluster index per document (the smallest index of its cluster): ``cluster_documents`` of
    fingerprints given as sets, all in one group."""
    sizes = [len(fp) for fp in fingerprints]
    doc = np.repeat(np.arange(len(fingerprints), dtype=np.int64), sizes)
    vals = np.fromiter((v for fp in fingerprints for v in fp), dtype=np.uint64, count=int(sum(sizes)))
    return cluster_documents(doc, vals, np.zeros(len(fingerprints), dtype=np.int64)).tolist()


def cluster_documents(doc: np.ndarray, vals: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Cluster of each document (the smallest document index in it): documents of one ``group`` (an
    outlet) join when the smaller one's fingerprint is at least ``SAME_STORY_CONTAINMENT`` contained in
    the other's. ``doc``/``vals``: flat fingerprints (``fingerprint_arrays``).

    Hashes a group holds more than once are found by hashing, then sorted by (group, hash, document);
    only hashes held by 2..``MAX_POSTING`` documents of a group produce pairs, counted per pair with
    one ``np.unique``.
    """
    n = len(group)
    cluster = np.arange(n, dtype=np.int64)
    if n < 2 or not doc.size:
        return cluster
    # hashes a group holds twice or more: first found by hashing (the hash mixed with its group:
    # a collision only keeps a few rows more), then the few sorted by (group, hash, document)
    hashes_per_doc = np.bincount(doc, minlength=n)
    mixed = vals ^ (group[doc].astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    repeated = pl.Series(mixed).is_duplicated().to_numpy()
    doc, vals = doc[repeated], vals[repeated]
    if not doc.size:  # no outlet holds a hash twice: every document is its own story
        return cluster
    g = group[doc]
    order = np.lexsort((doc, vals, g))
    doc, vals, g = doc[order], vals[order], g[order]
    once = np.concatenate(([True], (doc[1:] != doc[:-1]) | (vals[1:] != vals[:-1]) | (g[1:] != g[:-1])))
    sizes = hashes_per_doc - np.bincount(doc[~once], minlength=n)  # distinct hashes per document
    doc, vals, g = doc[once], vals[once], g[once]  # a hash counts once per document
    starts = np.flatnonzero(np.concatenate(([True], (vals[1:] != vals[:-1]) | (g[1:] != g[:-1]))))
    counts = np.diff(np.concatenate((starts, [vals.size])))
    pair_a, pair_b = [], []
    for c in np.unique(counts[(counts >= 2) & (counts <= MAX_POSTING)]).tolist():
        members = doc[starts[counts == c][:, None] + np.arange(c)]  # one row per shared hash
        ia, ib = np.triu_indices(c, 1)
        pair_a.append(members[:, ia].ravel())
        pair_b.append(members[:, ib].ravel())
    if not pair_a:
        return cluster
    a, b = np.concatenate(pair_a), np.concatenate(pair_b)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pairs, shared = np.unique(lo * n + hi, return_counts=True)
    lo, hi = pairs // n, pairs % n
    smaller = np.minimum(sizes[lo], sizes[hi])
    join = (smaller > 0) & (shared >= SAME_STORY_CONTAINMENT * smaller)
    if not join.any():
        return cluster
    graph = sparse.coo_matrix((np.ones(int(join.sum()), dtype=np.int8), (lo[join], hi[join])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    root = np.full(labels.max() + 1, n, dtype=np.int64)
    np.minimum.at(root, labels, np.arange(n))
    return root[labels]


def empty_line_stats() -> pl.DataFrame:
    return pl.DataFrame(schema=LINE_STATS_SCHEMA)


class OutletLineCounter:
    """Counts tonight's line occurrences per outlet over story clusters and merges stored stats.

    A pure function of (stored stats, tonight's documents): the caller passes the stats as the
    previous night left them, so a rerun of a night reproduces the same counts and never adds its
    own documents twice. Tonight's occurrences are collected as flat columns and combined with the
    stored rows in polars (group, join, list set difference); Python only sees the per-line counts.
    """

    def __init__(self, stored: pl.DataFrame | None):
        self._stored_df = stored.select(list(LINE_STATS_SCHEMA)) if stored is not None and stored.height else None
        # one row per (document, distinct line) of tonight: outlet, line_hash, story_key, text
        self._occurrences: list[pl.DataFrame] = []
        self._joined: pl.DataFrame | None = None

    def add_night(self, lines: pl.DataFrame, outlets: list[str], doc_ids: list[str],
                  fingerprints: tuple[np.ndarray, np.ndarray]) -> None:
        """Register tonight's documents: ``lines`` has doc (index into the lists), key (``line_hash``,
        null for untracked lines) and text (markup-free), in document then line order; ``fingerprints``
        are the documents' ``fingerprint_arrays``. Story clusters are formed per outlet."""
        self._joined = None
        fp_doc, fp_vals = fingerprints
        outlet_ids = {o: k for k, o in enumerate(dict.fromkeys(outlets))}
        cluster = cluster_documents(fp_doc, fp_vals, np.array([outlet_ids[o] for o in outlets], dtype=np.int64))
        lowest = np.full(len(outlets), np.iinfo(np.uint64).max, dtype=np.uint64)
        np.minimum.at(lowest, fp_doc, fp_vals)
        has_fp = np.bincount(fp_doc, minlength=len(outlets)) > 0
        smallest = dict(zip(np.flatnonzero(has_fp).tolist(), lowest[has_fp].tolist()))
        founders: dict[int, int] = {}  # cluster -> its document with the smallest id
        for d, c in enumerate(cluster.tolist()):
            if c not in founders or doc_ids[d] < doc_ids[founders[c]]:
                founders[c] = d
        # a story's stable key: its founding document's smallest shingle hash
        key_of = {c: f"{smallest[d]:016x}" if d in smallest else f"doc:{doc_ids[d]}" for c, d in founders.items()}
        story_of_doc = [key_of[c] for c in cluster.tolist()]
        doc = pl.col("doc")
        self._occurrences.append(
            lines.filter(pl.col("key").is_not_null())
            .unique(subset=["doc", "key"], keep="first", maintain_order=True)
            .select(outlet=doc.replace_strict(range(len(outlets)), outlets, return_dtype=pl.String),
                    line_hash="key",
                    story_key=doc.replace_strict(range(len(outlets)), story_of_doc, return_dtype=pl.String),
                    text="text"))

    def _combined(self) -> pl.DataFrame:
        """Tonight's lines with their counts after adding tonight's new stories to the stored ones."""
        if self._joined is not None:
            return self._joined
        occ_schema = {"outlet": pl.String, "line_hash": pl.String, "story_key": pl.String, "text": pl.String}
        occ = pl.concat([o.cast(occ_schema) for o in self._occurrences]) if self._occurrences else pl.DataFrame(
            schema=occ_schema)
        tonight = occ.group_by("outlet", "line_hash").agg(
            pl.col("text").first().alias("tonight_text"),
            pl.col("story_key").unique().sort().alias("tonight_keys"),
            pl.len().cast(pl.Int64).alias("tonight_docs"))
        never_stored = tonight.with_columns(  # lines no earlier night stored
            example_text=pl.col("tonight_text"), n_stories=pl.col("tonight_keys").list.len().cast(pl.Int64),
            n_documents=pl.col("tonight_docs"), first_seen=pl.lit(None, pl.Date), last_seen=pl.lit(None, pl.Date),
            story_keys=pl.col("tonight_keys").list.head(MAX_STORY_KEYS))
        if self._stored_df is None:
            self._joined = never_stored
            return self._joined
        tonight = tonight.join(self._stored_df, on=["outlet", "line_hash"], how="left")
        stored = tonight.filter(pl.col("n_stories").is_not_null())
        old_keys = pl.col("story_keys").fill_null(pl.lit([], pl.List(pl.String)))
        fresh = pl.col("tonight_keys").list.set_difference(old_keys)
        stored = stored.with_columns(
            pl.col("example_text").fill_null(pl.col("tonight_text")),
            (pl.col("n_stories") + fresh.list.len().cast(pl.Int64)).alias("n_stories"),
            (pl.col("n_documents").fill_null(0) + pl.col("tonight_docs")).alias("n_documents"),
            old_keys.list.concat(fresh).list.sort().list.head(MAX_STORY_KEYS).alias("story_keys"),
        )
        new = never_stored.join(stored.select("outlet", "line_hash"), on=["outlet", "line_hash"], how="anti")
        self._joined = pl.concat([new, stored.select(new.columns)])
        return self._joined

    def line_counts(self) -> pl.DataFrame:
        """outlet, line_hash, n_stories (stored + tonight's new stories) for every line registered tonight."""
        return self._combined().select("outlet", "line_hash", "n_stories")

    def merged(self, as_of: date, keep_below_days: int, min_stories: int) -> pl.DataFrame:
        """Stored stats updated with tonight; rare lines not seen for ``keep_below_days`` are dropped."""
        night = pl.lit(as_of, pl.Date)
        seen = self._combined().with_columns(
            pl.min_horizontal(pl.col("first_seen"), night).alias("first_seen"),
            pl.max_horizontal(pl.col("last_seen"), night).alias("last_seen"),
        ).select(list(LINE_STATS_SCHEMA))
        parts = [seen.cast(LINE_STATS_SCHEMA)]
        if self._stored_df is not None:
            untouched = self._stored_df.join(seen.select("outlet", "line_hash"), on=["outlet", "line_hash"], how="anti")
            stale = ((pl.col("n_stories") < min_stories) & pl.col("last_seen").is_not_null()
                     & ((night - pl.col("last_seen")).dt.total_days() > keep_below_days))
            parts.append(untouched.filter(~stale.fill_null(False)).cast(LINE_STATS_SCHEMA))
        out = pl.concat(parts)
        return out.sort(["outlet", "line_hash"]) if out.height else empty_line_stats()

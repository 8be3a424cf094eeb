"""Story term vectors: hashed, weighted term counts that stay valid from night to night.

Raw weights (before IDF) are what the warehouse stores per copy-group representative, so a later night
can weight them with that night's document frequencies without refitting anything: no vocabulary, no
fitted model, and yesterday's assignments never depend on today's IDF.
"""

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat

import numba
import numpy as np
import polars as pl
import pyarrow as pa
import scipy.sparse as sp
import xxhash
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sparse_dot_topn import sp_matmul_topn

from wiretrace.cores import process_map, usable_cores
from wiretrace.stories.text import normalise, split_sentences

HASH_DIM = 1 << 24
_TOKEN = re.compile(r"[^\W_]+(?:[.,'][^\W_]+)*")
_STOP = frozenset(ENGLISH_STOP_WORDS) | {"said", "says", "s", "mr", "mrs", "ms", "told", "according"}


@dataclass(frozen=True)
class TermWeights:
    """How much each kind of evidence counts in a story vector (ratios, not fitted thresholds)."""

    title: float = 2.0  # a headline names the event; its words count this many times a body mention
    entity: float = 1.0  # extra feature for a capitalised mid-sentence token (names, places)
    number: float = 1.0  # extra feature for a number (death tolls, ages, years tell two events apart)
    lead_sentences: int = 0  # >0: only the first N body sentences count (0 = whole body)
    # News puts the event first and background later: sentence i counts 1 / (1 + i / lead_decay)
    # (0 = no decay). Background is what two similar events share.
    lead_decay: float = 0.0


BLOCK = HASH_DIM // 2  # ids < BLOCK: words; ids >= BLOCK: names and numbers


def _hash(feature: str) -> int:
    h = xxhash.xxh32_intdigest(feature.encode()) % BLOCK
    return h if feature.startswith("w:") else h + BLOCK


class _BodyTokenFeatures(dict):
    """raw body token -> None (a stopword or a lone letter) or (word id, starts with a digit, number id,
    entity id). A night repeats the same few hundred thousand tokens millions of times; NFKC, lower
    case and three xxhash calls per occurrence were most of ``term_weights``. Cleared when large."""

    def __missing__(self, raw: str):
        if len(self) > 500_000:
            self.clear()
        tok = normalise(raw)
        if tok in _STOP or len(tok) < 2 and not tok.isdigit():
            value = None
        else:
            value = (_hash("w:" + tok), tok[0].isdigit(), _hash("n:" + tok.replace(",", "")), _hash("e:" + tok))
        self[raw] = value
        return value


_body_token_features = _BodyTokenFeatures().__getitem__


def term_weights(title: str | None, body: str, weights: TermWeights = TermWeights()) -> tuple[np.ndarray, np.ndarray]:
    """Sorted hashed feature ids and raw weights (sublinear counts) for one document.

    Features: "w:" + each normalised title and body word that is not a stopword, "n:" + a number's
    digits, "e:" + a capitalised word not first in its sentence (the ids hash those strings)."""
    counts: dict[int, float] = {}
    sentences = split_sentences(body)
    if weights.lead_sentences:
        sentences = sentences[: weights.lead_sentences]
    if not title:
        title = sentences[0] if sentences else ""
    for tok in _TOKEN.findall(normalise(title)):
        if tok not in _STOP and len(tok) > 1:
            h = _hash("w:" + tok)
            counts[h] = counts.get(h, 0.0) + weights.title
    for index, sentence in enumerate(sentences):
        w_pos = 1.0 / (1.0 + index / weights.lead_decay) if weights.lead_decay else 1.0
        for pos, raw in enumerate(_TOKEN.findall(sentence)):
            features = _body_token_features(raw)
            if features is None:
                continue
            word, is_number, number, entity = features
            counts[word] = counts.get(word, 0.0) + w_pos
            if weights.number and is_number:
                counts[number] = counts.get(number, 0.0) + weights.number * w_pos
            elif weights.entity and pos > 0 and raw[0].isupper():
                counts[entity] = counts.get(entity, 0.0) + weights.entity * w_pos
    if not counts:
        return np.empty(0, dtype=np.uint32), np.empty(0, dtype=np.float32)
    ids = np.fromiter(counts.keys(), dtype=np.uint32, count=len(counts))
    vals = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
    order = np.argsort(ids)
    return ids[order], _sublinear(vals[order])


# Below this many documents term vectors are computed in the calling process (a pool costs more).
POOL_MIN_DOCUMENTS = 2_000
TERMS_BATCH = 256  # documents per pool task
SERIES_SLICE_ROWS = 2_048  # a Series column's values become Python objects this many at a time


def night_term_weights(titles: "Sequence[str | None] | pl.Series", bodies: "Sequence[str] | pl.Series",
                       weights: TermWeights = TermWeights(), *, workers: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    """``term_weights`` of each (title, body), in order, on ``workers`` processes for a large night
    (per-token Python: one core did ~1 ms per document). Columns may be polars Series: they become
    Python strings a slice at a time, as the pool takes them (a 300k night's founders' bodies as one
    list held ~0.4 GB at the stage's peak)."""
    docs = zip(_values(titles), _values(bodies), repeat(weights))
    if workers > 1 and len(bodies) >= POOL_MIN_DOCUMENTS:
        return list(process_map(_document_terms, docs, workers=workers, batch=TERMS_BATCH))
    return [term_weights(*doc) for doc in docs]


def _values(column: "Sequence | pl.Series") -> Iterator:
    if isinstance(column, pl.Series):
        for start in range(0, len(column), SERIES_SLICE_ROWS):
            yield from column.slice(start, SERIES_SLICE_ROWS).to_list()
    else:
        yield from column


def _document_terms(doc: tuple[str | None, str, TermWeights]) -> tuple[np.ndarray, np.ndarray]:
    return term_weights(*doc)


def _sublinear(v: np.ndarray) -> np.ndarray:
    # 1 + log(count) for counts >= 1; fractional weights (never below the smallest weight) kept as is.
    return np.where(v > 1.0, 1.0 + np.log(np.maximum(v, 1.0)), v).astype(np.float32)


def raw_matrix(ids: pl.Series, vals: pl.Series) -> sp.csr_matrix:
    """Documents x features over the features present in this pool only (compact columns, in feature
    order). ``ids``/``vals``: one list of term ids / weights per document (doc_terms' columns), read
    through their Arrow buffers rather than row by row.

    The returned matrix carries ``name_columns`` (bool per column: a name/number feature).
    """
    offsets, flat = _list_buffers(ids, pl.UInt32)
    _, data = _list_buffers(vals, pl.Float32)
    # compact columns by a presence mask over the id range: a feature's column is its rank among the
    # features present (what np.unique's inverse gives), without sorting the pool's ~10M entries
    present = np.zeros(int(flat.max()) + 1 if len(flat) else 1, dtype=bool)
    present[flat] = True
    features = np.flatnonzero(present)
    rank = np.cumsum(present, dtype=np.int32) - 1
    matrix = sp.csr_matrix((data, rank[flat], offsets), shape=(len(offsets) - 1, max(len(features), 1)))
    matrix.name_columns = np.zeros(matrix.shape[1], dtype=bool)
    matrix.name_columns[: len(features)] = features >= BLOCK
    return matrix


def list_series(arrays: list[np.ndarray], inner: pl.DataType) -> pl.Series:
    """One list row per numpy array, through Arrow offsets (nested Python lists cost several times the
    memory and time)."""
    offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, arrays), np.int64, len(arrays)), out=offsets[1:])
    flat = np.concatenate(arrays) if arrays else np.empty(0)
    return pl.Series(pa.LargeListArray.from_arrays(pa.array(offsets), pa.array(flat))).cast(pl.List(inner))


def _list_buffers(lists: pl.Series, inner: pl.DataType) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, flat values) of a list Series: row k's values are flat[offsets[k]:offsets[k + 1]]."""
    arrow = lists.cast(pl.List(inner)).rechunk().to_arrow()
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    offsets = np.asarray(arrow.offsets, dtype=np.int64)
    flat = arrow.values.to_numpy(zero_copy_only=False)[offsets[0]:offsets[-1]]
    return offsets - offsets[0], flat


def tfidf(raw: sp.csr_matrix, max_df_share: float = 0.5, name_share: float = 0.0) -> sp.csr_matrix:
    """IDF-weight and L2-normalise ``raw`` with document frequencies of ``raw`` itself (the night's pool).

    Terms in more than ``max_df_share`` of a large pool are dropped (they cannot tell events apart and
    they make the similarity product dense).
    """
    n, dim = raw.shape
    df = np.bincount(raw.indices, minlength=dim).astype(np.float64)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    if n >= 50:
        idf[df > max_df_share * n] = 0.0
    x = sp.csr_matrix(raw @ sp.diags(idf.astype(np.float32)))
    if not name_share:
        return _l2(x)
    # Cosine of the result = (1 - name_share) * cos(words) + name_share * cos(names and numbers):
    # two events of one kind share vocabulary, but rarely their names and figures.
    is_name = raw.name_columns.astype(np.float32)
    words = _l2(sp.csr_matrix(x @ sp.diags(1.0 - is_name)))
    names = _l2(sp.csr_matrix(x @ sp.diags(is_name)))
    return sp.csr_matrix(np.sqrt(1.0 - name_share) * words + np.sqrt(name_share) * names, dtype=np.float32)


def _l2(x: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ x, dtype=np.float32)


SIMILARITY_BLOCK_ENTRIES = 20_000_000  # bounds one kernel call's rows x right rows (its worst-case entries)


def similar_pairs(left: sp.csr_matrix, right: sp.csr_matrix, threshold: float,
                  threads: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(left row, right row, similarity) of every entry of ``left @ right.T`` at or above ``threshold``.

    The product runs in sparse_dot_topn's C++ kernel on ``threads`` threads (default: the CPUs this
    process may use), which keeps only the entries above a bound as it goes: on a large night the full
    product is nearly dense (a 100k night's did not fit in 24 GB) while the pairs above a threshold are
    few, and SciPy's single-threaded product had to build every entry of a block before filtering it.
    The pairs and their float32 values are the ones SciPy's product gives (tests/unit/stories/test_vectors.py).
    Blocks of left rows still bound what one call can return.
    """
    return _product_pairs(left, right, threshold, threads, upper=False)


def pairs_within(vectors: sp.csr_matrix, rows: np.ndarray, threshold: float,
                 threads: int | None = None, *, skip: np.ndarray | None = None,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``similar_pairs(vectors[rows], vectors, threshold)`` (columns index ``vectors``), computing each
    pair of two ``rows`` once, so the block of ``rows`` against themselves is a triangle, mirrored. On a
    large night ``rows`` are most of ``vectors``, and this halves the quadratic work.

    ``skip``: columns left out (not in ``rows``), for a caller that already has their pairs with every
    row, e.g. from an earlier call that had them as rows.

    The kernel adds a row's products in the order its terms are stored; with every row's terms sorted
    (done here: SciPy's products leave them unsorted) x.y and y.x are the same float32 sum. A value
    can therefore differ in its last bit from ``similar_pairs`` on the unsorted rows."""
    rows = np.asarray(rows, dtype=np.int64)
    vectors = sorted_rows(vectors)
    others = np.setdiff1d(np.arange(vectors.shape[0]), rows if skip is None else np.union1d(rows, skip))
    own = vectors[rows]
    tri_r, tri_c, tri_v = _product_pairs(own, own, threshold, threads, upper=True)
    off = tri_r != tri_c
    cross_r, cross_c, cross_v = _product_pairs(own, vectors[others], threshold, threads, upper=False)
    left = np.concatenate([tri_r, tri_c[off], cross_r])
    right = np.concatenate([rows[tri_c], rows[tri_r[off]], others[cross_c]])
    vals = np.concatenate([tri_v, tri_v[off], cross_v])
    order = np.lexsort((right, left))  # (row, column) order, as similar_pairs returns them
    return left[order], right[order], vals[order]


def sorted_rows(vectors: sp.csr_matrix) -> sp.csr_matrix:
    """``vectors`` as float32 CSR with each row's terms in term order, the order the product kernel and
    ``pair_dots`` add a row's products in: the matrix itself if it is already, else a sorted copy (the
    caller's matrix stays as it was; SciPy's products leave rows unsorted)."""
    if isinstance(vectors, sp.csr_matrix) and vectors.dtype == np.float32 and vectors.has_sorted_indices:
        return vectors
    copy = sp.csr_matrix(vectors, dtype=np.float32, copy=True)
    copy.sort_indices()
    return copy


def pair_dots(vectors: sp.csr_matrix, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """float32 dot products of the row pairs (``a[k]``, ``b[k]``): the values ``pairs_within`` gives them.

    Like the product kernel, each sum adds the shared terms' products in term order, one float32 at a
    time (SciPy's ``multiply(...).sum(axis=1)`` rounds differently: it matched the kernel's bits on 14%
    of pairs, and a pair at the threshold would then be an edge on one side only). No library samples a
    sparse product at given pairs, and gathering both rows of each pair in numpy cost ~10 s per million
    pairs, most of a product: hence a compiled loop (numba) over the pairs grouped by their first row,
    which is scattered once into a dense row, on every usable core.
    """
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    if len(a) == 0:
        return np.empty(0, dtype=np.float32)
    vectors = sorted_rows(vectors)
    order = np.argsort(a, kind="stable")
    a_sorted, b_sorted = a[order], b[order]
    # chunks of whole first-row groups, several per core so that a long group does not hold one core
    group_starts = np.flatnonzero(np.r_[True, a_sorted[1:] != a_sorted[:-1]])
    n_chunks = min(len(group_starts), 8 * usable_cores())
    bounds = np.r_[group_starts[np.linspace(0, len(group_starts), n_chunks, endpoint=False).astype(np.int64)], len(a)]
    sorted_dots = np.empty(len(a), dtype=np.float32)
    _pair_dots_kernel(vectors.indptr.astype(np.int64), vectors.indices.astype(np.int64), vectors.data,
                      a_sorted, b_sorted, bounds, vectors.shape[1], sorted_dots)
    dots = np.empty_like(sorted_dots)
    dots[order] = sorted_dots
    return dots


@numba.njit(parallel=True, cache=True, nogil=True)
def _pair_dots_kernel(indptr, indices, data, a, b, bounds, dim, out):  # pragma: no cover - compiled
    # chunk c holds pairs bounds[c]:bounds[c + 1] (sorted by a, a chunk never splits one a's pairs)
    for c in numba.prange(len(bounds) - 1):
        dense = np.zeros(dim, dtype=np.float32)
        k = bounds[c]
        while k < bounds[c + 1]:
            row = a[k]
            for e in range(indptr[row], indptr[row + 1]):
                dense[indices[e]] = data[e]
            while k < bounds[c + 1] and a[k] == row:
                other = b[k]
                acc = np.float32(0.0)
                for e in range(indptr[other], indptr[other + 1]):
                    acc += dense[indices[e]] * data[e]  # +0.0 for a term the row lacks: the sum is unchanged
                out[k] = acc
                k += 1
            for e in range(indptr[row], indptr[row + 1]):
                dense[indices[e]] = np.float32(0.0)


def _product_pairs(left, right, threshold, threads, *, upper: bool):
    """The entries of ``left @ right.T`` at or above ``threshold``, in (row, column) order; ``upper``
    (left is right): only the entries with column >= row.

    The product runs tile by tile: ``right`` is cut once into column tiles of ``tile`` documents (square
    tiles of at most SIMILARITY_BLOCK_ENTRIES entries), each block of left rows is multiplied by each
    tile (``upper``: the tiles from its own diagonal on). Cutting the transposed right side per block
    instead (``right_t[:, first:]``) copied most of it once per block, work that grows with the square
    of the pool (10k rows against 154k: 173 -> 134 s). A row's sums are taken in its own term order
    whatever the tile, so the values are the ones a single product gives.
    """
    threads = threads or usable_cores()
    left = sp.csr_matrix(left, dtype=np.float32)
    right = sp.csr_matrix(right, dtype=np.float32)
    n_right = right.shape[0]
    empty = np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float32)
    if n_right == 0 or left.shape[0] == 0:
        return empty
    # the kernel keeps values strictly above its bound: the float32 just below the threshold keeps ties
    bound = float(np.nextafter(np.float32(threshold), np.float32(-np.inf)))
    tile = min(n_right, max(1, math.isqrt(SIMILARITY_BLOCK_ENTRIES)))
    block = tile if upper else max(1, SIMILARITY_BLOCK_ENTRIES // tile)  # upper: blocks aligned with tiles
    tiles = [(first, sp.csr_matrix(right[first:first + tile].T)) for first in range(0, n_right, tile)]
    rows, cols, vals = [empty[0]], [empty[1]], [empty[2]]
    for start in range(0, left.shape[0], block):
        part = left[start:start + block]
        block_r, block_c, block_v = [], [], []
        for first, right_t in tiles:
            if upper and first + tile <= start:
                continue  # below the diagonal
            prod = sp_matmul_topn(part, right_t, top_n=right_t.shape[1], threshold=bound, n_threads=threads).tocoo()
            r, c = prod.row.astype(np.int64) + start, prod.col.astype(np.int64) + first
            keep = (prod.data >= np.float32(threshold)) & ((c >= r) if upper else True)
            block_r.append(r[keep])
            block_c.append(c[keep])
            block_v.append(prod.data[keep])
        r, c, v = np.concatenate(block_r), np.concatenate(block_c), np.concatenate(block_v)
        order = np.lexsort((c, r))  # (row, column) order within the block; blocks follow each other
        rows.append(r[order])
        cols.append(c[order])
        vals.append(v[order])
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)

"""Average-link story clustering that can extend existing stories without re-clustering them.

Average link between clusters A and B is the mean cosine over all pairs a in A, b in B, which equals
(sum_A . sum_B) / (|A| |B|) for L2-normalised vectors; clusters are therefore carried as (vector sum,
size) and merging two clusters adds their sums. Two clusters can only reach an average >= t if some
pair reaches >= t, so the exact agglomeration runs separately inside each connected component of the
"pair similarity >= t" graph — components bound the work, but membership is decided by average
link, never by the components themselves (which would chain unrelated articles).

``relative`` adds a relative-closeness condition: clusters of several documents join only if their
average link also reaches ``relative`` x their mean cohesion (mean similarity of each one's distinct
pairs, from the diagonal of the same sums), so two tight events of one kind stay apart at a similarity
a loosely written event needs to hold together. Only rows of a merged cluster change, as before.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components


@dataclass
class Item:
    """A cluster seed: an existing story (fixed, several docs) or one new document."""

    doc_rows: list[int]  # rows of the pool matrix
    fixed: bool  # an existing story: may absorb new documents, never another existing story
    first_day: int  # publication day numbers (days since epoch)
    last_day: int


def agglomerate(
    items: list[Item], vectors: sp.csr_matrix, threshold: float, max_span_days: int, allow_fixed_merges: bool = False,
    relative: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Constrained average-link over ``items``; returns (cluster label per item, cluster size in docs).

    Merges the closest pair while its average link >= ``threshold``, the merged publication span stays
    within ``max_span_days`` and (unless ``allow_fixed_merges``) not both sides hold an existing story.
    """
    k = len(items)
    if k == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    sums = sp.csr_matrix(
        (np.ones(sum(len(it.doc_rows) for it in items), dtype=np.float32),
         np.concatenate([it.doc_rows for it in items]),
         np.concatenate(([0], np.cumsum([len(it.doc_rows) for it in items])))),
        shape=(k, vectors.shape[0]),
    ) @ vectors
    gram = (sums @ sums.T).toarray().astype(np.float64)
    size = np.array([len(it.doc_rows) for it in items], dtype=np.float64)
    fixed = np.array([it.fixed for it in items])
    first = np.array([it.first_day for it in items], dtype=np.int64)
    last = np.array([it.last_day for it in items], dtype=np.int64)
    alive = np.ones(k, dtype=bool)
    label = np.arange(k)

    def within() -> np.ndarray:
        # mean similarity of a cluster's distinct pairs (NaN for one document: no constraint)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(size > 1, (np.diag(gram) - size) / (size * (size - 1)), np.nan)

    def cohesive(avg_row: np.ndarray, w_row: float, w: np.ndarray) -> np.ndarray:
        # relative closeness: the pair's average link must reach `relative` x their mean cohesion
        ref = np.nan_to_num(np.nanmean(np.vstack([np.full_like(w, w_row), w]), axis=0), nan=0.0)
        return avg_row >= relative * ref

    def allowed_mask() -> np.ndarray:
        ok = np.outer(alive, alive)
        np.fill_diagonal(ok, False)
        if not allow_fixed_merges:
            ok &= ~np.outer(fixed, fixed)
        span = np.maximum.outer(last, last) - np.minimum.outer(first, first)
        ok &= span <= max_span_days
        return ok

    avg = gram / np.outer(size, size)
    ok = allowed_mask()
    if relative:
        w = within()
        for r in np.flatnonzero(size > 1):
            ok[r, :] &= cohesive(avg[r, :], w[r], w)
            ok[:, r] = ok[r, :]
    # Each row's best allowed partner, kept up to date after a merge (only rows whose best was one of
    # the merged pair are rescanned), instead of an argmax over the whole k x k matrix per merge:
    # O(k) per merge for what was O(k^2). Ties resolve as a flat argmax would (lowest row, then column).
    masked = np.where(ok, avg, -np.inf)
    best_idx = masked.argmax(axis=1)
    best_val = masked[np.arange(k), best_idx]
    while True:
        a = int(np.argmax(best_val))
        b = int(best_idx[a])
        if best_val[a] < threshold:
            break
        # b joins a
        gram[a, :] += gram[b, :]
        gram[:, a] += gram[:, b]
        size[a] += size[b]
        fixed[a] |= fixed[b]
        first[a] = min(first[a], first[b])
        last[a] = max(last[a], last[b])
        alive[b] = False
        label[label == b] = a
        avg[a, :] = gram[a, :] / (size[a] * size)
        avg[:, a] = avg[a, :]
        ok[b, :] = ok[:, b] = False
        row = alive.copy()
        row[a] = False
        if not allow_fixed_merges and fixed[a]:
            row &= ~fixed
        row &= (np.maximum(last, last[a]) - np.minimum(first, first[a])) <= max_span_days
        if relative:
            w = within()
            row &= cohesive(avg[a, :], w[a], w)
        ok[a, :] = row
        ok[:, a] = row
        masked[b, :] = masked[:, b] = -np.inf
        masked[a, :] = np.where(row, avg[a, :], -np.inf)
        masked[:, a] = masked[a, :]
        best_val[b] = -np.inf
        stale = np.flatnonzero(alive & ((best_idx == a) | (best_idx == b)))
        for r in stale:  # their best partner changed or is gone: rescan the row
            best_idx[r] = masked[r].argmax()
            best_val[r] = masked[r, best_idx[r]]
        others = alive.copy()
        others[stale] = False
        others[a] = False
        with_a = masked[:, a]
        better = others & ((with_a > best_val) | ((with_a == best_val) & (a < best_idx)))
        best_idx[better] = a
        best_val[better] = with_a[better]
    return label, size[label].astype(np.int64)


def components(n_nodes: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    graph = sp.coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n_nodes, n_nodes))
    return connected_components(graph, directed=False)[1]

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

import heapq
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from wiretrace.stories.vectors import pair_dots


@dataclass
class Item:
    """A cluster seed: an existing story (fixed, several docs) or one new document."""

    doc_rows: list[int]  # rows of the pool matrix
    fixed: bool  # an existing story: may absorb new documents, never another existing story
    first_day: int  # publication day numbers (days since epoch)
    last_day: int


DENSE_MAX_ITEMS = 3000  # above this many items a component is agglomerated on its candidate graph:
                        # the dense k x k matrices of a 100k night's largest component (~50k items)
                        # need ~80 GB; at 4,700 items the dense pass took 6.7 s


def agglomerate(
    items: list[Item], vectors: sp.csr_matrix, threshold: float, max_span_days: int, allow_fixed_merges: bool = False,
    relative: float = 0.0, pairs: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Constrained average-link over ``items``; returns (cluster label per item, cluster size in docs).

    Merges the closest pair while its average link >= ``threshold``, the merged publication span stays
    within ``max_span_days`` and (unless ``allow_fixed_merges``) not both sides hold an existing story.

    ``pairs``: item index pairs that hold a document pair at >= ``threshold`` (every such pair that may
    merge). Given for a component of more than ``DENSE_MAX_ITEMS`` items, it is agglomerated on that
    graph (``_agglomerate_graph``) instead of dense k x k matrices.
    """
    k = len(items)
    if k == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    sums = _item_sums(items, vectors)
    if pairs is not None and k > DENSE_MAX_ITEMS:
        return _agglomerate_graph(items, sums, pairs, threshold, max_span_days, allow_fixed_merges, relative)
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


def _item_sums(items: list[Item], vectors: sp.csr_matrix) -> sp.csr_matrix:
    """Each item's document vectors summed (average link works on sums: see the module docstring)."""
    return sp.csr_matrix(sp.csr_matrix(
        (np.ones(sum(len(it.doc_rows) for it in items), dtype=np.float32),
         np.concatenate([it.doc_rows for it in items]),
         np.concatenate(([0], np.cumsum([len(it.doc_rows) for it in items])))),
        shape=(len(items), vectors.shape[0]),
    ) @ vectors)


def _agglomerate_graph(items: list[Item], sums: sp.csr_matrix, pairs: tuple[np.ndarray, np.ndarray], threshold: float,
                       max_span_days: int, allow_fixed_merges: bool, relative: float) -> tuple[np.ndarray, np.ndarray]:
    """``agglomerate`` on the candidate graph of a large component, with the dense pass's rules (span,
    fixed stories, relative closeness) and its order (highest average link first, ties to the lowest
    item index pair; the higher index joins the lower).

    Two clusters can only reach the threshold if some document pair does, so only graph neighbours are
    ever compared. A cluster pair's link is the sum of the item-pair dot products along the graph's
    edges: the dot products of item pairs without an edge (each below the threshold, never negative)
    are left out, so a link here is a lower bound of the dense one and a merge can only be missed, not
    made up. Memory and time follow the edges, not k squared.
    """
    k = len(items)
    a, b = np.minimum(pairs[0], pairs[1]), np.maximum(pairs[0], pairs[1])
    key = np.unique(a * k + b)
    a, b = key // k, key % k
    dots = pair_dots(sums, a, b).astype(np.float64)
    gram: list[dict[int, float]] = [{} for _ in range(k)]
    for i, j, g in zip(a.tolist(), b.tolist(), dots.tolist()):
        gram[i][j] = g
        gram[j][i] = g
    diag = np.asarray(sums.multiply(sums).sum(axis=1), dtype=np.float64).ravel()
    size = np.array([len(it.doc_rows) for it in items], dtype=np.float64)
    fixed = np.array([it.fixed for it in items])
    first = np.array([it.first_day for it in items], dtype=np.int64)
    last = np.array([it.last_day for it in items], dtype=np.int64)
    alive = np.ones(k, dtype=bool)
    version = np.zeros(k, dtype=np.int64)
    members: list[list[int]] = [[i] for i in range(k)]

    def candidates(i: np.ndarray, j: np.ndarray, links: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Average links of cluster pairs (i, j) with summed dot products ``links``, and whether each
        pair may merge now (threshold, fixed, span, relative closeness): for every edge at the start,
        then for a merged cluster's neighbours."""
        avg = links / (size[i] * size[j])
        ok = avg >= threshold
        if not allow_fixed_merges:
            ok &= ~(fixed[i] & fixed[j])
        ok &= np.maximum(last[i], last[j]) - np.minimum(first[i], first[j]) <= max_span_days
        if relative:
            # mean similarity of each side's distinct pairs, NaN for one document (no constraint)
            with np.errstate(divide="ignore", invalid="ignore"):
                wi = np.where(size[i] > 1, (diag[i] - size[i]) / (size[i] * (size[i] - 1)), np.nan)
                wj = np.where(size[j] > 1, (diag[j] - size[j]) / (size[j] * (size[j] - 1)), np.nan)
            mean = np.where(np.isnan(wi), wj, np.where(np.isnan(wj), wi, (wi + wj) / 2))
            ok &= ~(~np.isnan(mean) & (avg < relative * mean))
        return avg, ok

    avg, ok = candidates(a, b, dots)
    heap = list(zip((-avg[ok]).tolist(), a[ok].tolist(), b[ok].tolist(), repeat(0), repeat(0)))
    heapq.heapify(heap)
    while heap:
        _, i, j, vi, vj = heapq.heappop(heap)
        if not (alive[i] and alive[j]) or version[i] != vi or version[j] != vj:
            continue  # a side merged since this entry was pushed
        # j joins i (i < j)
        diag[i] = diag[i] + 2.0 * gram[i][j] + diag[j]
        for n, g in gram[j].items():
            if n != i:
                gram[i][n] = gram[i].get(n, 0.0) + g
                gram[n][i] = gram[i][n]
                del gram[n][j]
        del gram[i][j]
        gram[j] = {}
        size[i] += size[j]
        fixed[i] |= fixed[j]
        first[i], last[i] = min(first[i], first[j]), max(last[i], last[j])
        alive[j] = False
        members[i].extend(members[j])
        members[j] = []
        version[i] += 1
        near = np.fromiter(gram[i], np.int64, len(gram[i]))
        avg, ok = candidates(np.full(len(near), i), near, np.fromiter(gram[i].values(), np.float64, len(near)))
        for n, link in zip(near[ok].tolist(), avg[ok].tolist()):
            lo, hi = min(i, n), max(i, n)
            heapq.heappush(heap, (-link, lo, hi, version[lo], version[hi]))
    label = np.empty(k, dtype=np.int64)
    for c in np.flatnonzero(alive):
        label[members[c]] = c
    return label, size[label].astype(np.int64)


def label_groups(labels: np.ndarray) -> list[np.ndarray]:
    """The indices holding each distinct label (ascending), in ascending label order.

    One stable sort, instead of scanning every label once per label: that is quadratic in the number
    of groups (a 1M-article night has ~380k components, ~10^11 comparisons)."""
    labels = np.asarray(labels)
    if len(labels) == 0:
        return []
    order = np.argsort(labels, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(labels[order])) + 1)


def components(n_nodes: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    graph = sp.coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n_nodes, n_nodes))
    return connected_components(graph, directed=False)[1]

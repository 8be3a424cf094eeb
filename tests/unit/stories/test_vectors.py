"""Story similarity pairs: the threaded kernel returns exactly the entries SciPy's product gives."""

import numpy as np
import pytest
import scipy.sparse as sp

from wiretrace.stories import vectors
from wiretrace.stories.vectors import similar_pairs


def _unit_rows(n: int, dim: int, density: float, seed: int) -> sp.csr_matrix:
    m = sp.random(n, dim, density=density, format="csr", dtype=np.float32, random_state=seed)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ m, dtype=np.float32)


def _reference(left: sp.csr_matrix, right: sp.csr_matrix, threshold: float) -> dict[tuple[int, int], np.float32]:
    prod = sp.coo_matrix(left @ sp.csr_matrix(right.T))
    keep = prod.data >= np.float32(threshold)
    return dict(zip(zip(prod.row[keep].tolist(), prod.col[keep].tolist()), prod.data[keep]))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("block_entries", [7, 20_000_000])  # several blocks of left rows, and one
def test_similar_pairs_equal_the_scipy_product_above_the_threshold(threads, block_entries, monkeypatch):
    monkeypatch.setattr(vectors, "SIMILARITY_BLOCK_ENTRIES", block_entries)
    right = _unit_rows(120, 40, 0.15, seed=1)
    left = sp.csr_matrix(sp.vstack([right[::3], _unit_rows(30, 40, 0.15, seed=2)]))
    for threshold in (0.1, 0.4):
        rows, cols, vals = similar_pairs(left, right, threshold, threads=threads)
        got = dict(zip(zip(rows.tolist(), cols.tolist()), vals))
        expected = _reference(left, right, threshold)
        assert len(expected) > 40  # the threshold leaves pairs, and drops some
        assert got.keys() == expected.keys()
        assert all(got[k] == expected[k] for k in expected)  # the same float32 values, not just close
        assert list(zip(rows.tolist(), cols.tolist())) == sorted(got)  # (row, column) order


def test_similar_pairs_keep_an_entry_exactly_at_the_threshold():
    right = sp.csr_matrix(np.array([[0.6, 0.8], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32))
    left = sp.csr_matrix(np.array([[1.0, 0.0]], dtype=np.float32))
    threshold = float(np.float32(0.6))  # row 0 . right row 0 is exactly 0.6 in float32
    rows, cols, vals = similar_pairs(left, right, threshold)
    assert sorted(zip(rows.tolist(), cols.tolist())) == [(0, 0), (0, 1)]
    assert vals.dtype == np.float32


def test_similar_pairs_of_an_empty_side_are_empty():
    empty = sp.csr_matrix((0, 5), dtype=np.float32)
    full = _unit_rows(4, 5, 0.5, seed=3)
    for left, right in ((empty, full), (full, empty)):
        rows, cols, vals = similar_pairs(left, right, 0.2)
        assert len(rows) == len(cols) == len(vals) == 0

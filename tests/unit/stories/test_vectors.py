"""Story similarity pairs: the threaded kernel returns exactly the entries SciPy's product gives."""

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp

from wiretrace.stories import vectors
from wiretrace.stories.vectors import pair_dots, pairs_within, similar_pairs


def _unit_rows(n: int, dim: int, density: float, seed: int) -> sp.csr_matrix:
    m = sp.random(n, dim, density=density, format="csr", dtype=np.float32, random_state=seed)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    m = sp.csr_matrix(sp.diags(1.0 / norms) @ m, dtype=np.float32)
    m.sort_indices()
    return m


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


@pytest.mark.parametrize("block_entries", [7, 500, 20_000_000])
def test_pairs_within_equal_similar_pairs_of_those_rows(block_entries, monkeypatch):
    monkeypatch.setattr(vectors, "SIMILARITY_BLOCK_ENTRIES", block_entries)
    matrix = _unit_rows(150, 30, 0.2, seed=4)
    matrix = sp.csr_matrix(sp.vstack([matrix, matrix[:5]]))  # duplicate rows: ties at 1.0 both ways
    # pairs_within sorts each row's terms (a product's sums follow that order); compared on sorted rows
    matrix.sort_indices()
    rng = np.random.default_rng(5)
    for rows in (np.arange(155), np.arange(100, 155), np.sort(rng.choice(155, 40, replace=False)),
                 np.array([7]), np.empty(0, np.int64)):
        for threshold in (0.15, 0.5):
            want = similar_pairs(matrix[rows], matrix, threshold)
            got = pairs_within(matrix, rows, threshold)
            assert [x.tolist() for x in got] == [x.tolist() for x in want]
            assert len(rows) < 2 or len(want[0]) > len(rows)  # pairs beyond the diagonal


def test_pairs_within_skip_leaves_out_exactly_the_skipped_columns():
    matrix = _unit_rows(150, 30, 0.2, seed=6)
    rng = np.random.default_rng(7)
    rows = np.sort(rng.choice(150, 50, replace=False))
    rest = np.setdiff1d(np.arange(150), rows)
    skip = np.sort(rng.choice(rest, 60, replace=False))
    full = pairs_within(matrix, rows, 0.15)
    kept = ~np.isin(full[1], skip)
    assert 0 < kept.sum() < len(kept)  # the skipped columns held pairs, and others remain
    got = pairs_within(matrix, rows, 0.15, skip=skip)
    assert [x.tolist() for x in got] == [x[kept].tolist() for x in full]


def test_pair_dots_are_the_product_kernels_values_bit_for_bit():
    # rows of ~200 terms: long enough that another summation order rounds differently
    base = _unit_rows(200, 2000, 0.1, seed=8)
    matrix = sp.csr_matrix(sp.vstack([base, base[:100] + _unit_rows(100, 2000, 0.1, seed=9)]), dtype=np.float32)
    rows, cols, vals = pairs_within(matrix, np.arange(300), 0.05)
    assert len(rows) > 1000
    order = np.random.default_rng(10).permutation(len(rows))  # any order, either side first
    assert pair_dots(matrix, cols[order], rows[order]).tolist() == vals[order].tolist()
    dense = matrix.toarray().astype(np.float64)
    a, b = np.array([0, 5, 5, 299]), np.array([1, 5, 250, 0])  # a pair below any threshold, a row with itself
    assert np.allclose(pair_dots(matrix, a, b), (dense[a] * dense[b]).sum(axis=1), atol=1e-6)
    assert pair_dots(matrix, np.empty(0, np.int64), np.empty(0, np.int64)).shape == (0,)


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


def _term_weights_by_definition(title, body, weights):
    """The features as term_weights documents them, one token at a time, with no caching."""
    from wiretrace.stories.text import normalise, split_sentences

    counts: dict[int, float] = {}

    def add(feature: str, w: float) -> None:
        h = vectors._hash(feature)
        counts[h] = counts.get(h, 0.0) + w

    sentences = split_sentences(body)
    if not title:
        title = sentences[0] if sentences else ""
    for tok in vectors._TOKEN.findall(normalise(title)):
        if tok not in vectors._STOP and len(tok) > 1:
            add("w:" + tok, weights.title)
    for index, sentence in enumerate(sentences):
        w_pos = 1.0 / (1.0 + index / weights.lead_decay) if weights.lead_decay else 1.0
        for pos, raw in enumerate(vectors._TOKEN.findall(sentence)):
            tok = normalise(raw)
            if tok in vectors._STOP or len(tok) < 2 and not tok.isdigit():
                continue
            add("w:" + tok, w_pos)
            if weights.number and tok[0].isdigit():
                add("n:" + tok.replace(",", ""), weights.number * w_pos)
            elif weights.entity and pos > 0 and raw[0].isupper():
                add("e:" + tok, weights.entity * w_pos)
    ids = np.array(sorted(counts), dtype=np.uint32)
    return ids, vectors._sublinear(np.array([counts[i] for i in ids.tolist()], dtype=np.float32))


@pytest.mark.parametrize("weights", [
    vectors.TermWeights(), vectors.TermWeights(title=2.0, entity=1.0, number=1.0, lead_decay=5.0),
    vectors.TermWeights(number=0.0), vectors.TermWeights(entity=0.0, number=0.5),
])
def test_term_weights_equal_their_definition(weights):
    docs = [
        ("Fire kills 5 in Zürich", "Police said 5 people died. The FIRE began at 12:30 in Zürich’s old town.\n"
         "Mayor Corine Mauch said 1,200 residents were moved. \u2160 Ｆｕｌｌｗｉｄｔｈ ２０２４ and a 7."),
        (None, "Markets fell. Oil rose 3.5% as OPEC met; said analysts. Analysts said Oil would fall."),
        ("", ""),
        ("Only a title", "a I x 9"),
    ]
    for title, body in docs * 2:  # the second pass reads the token cache the first one filled
        got_ids, got_vals = vectors.term_weights(title, body, weights)
        want_ids, want_vals = _term_weights_by_definition(title, body, weights)
        assert got_ids.tolist() == want_ids.tolist()
        assert got_vals.tolist() == want_vals.tolist()
        if body.startswith("Police"):
            assert (vectors._hash("n:1200") in got_ids.tolist()) == bool(weights.number)
            assert (vectors._hash("e:zürich") in got_ids.tolist()) == bool(weights.entity)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("columns", ["lists", "series"])
def test_night_term_weights_equal_term_weights_of_each_document_in_order(monkeypatch, workers, columns):
    monkeypatch.setattr(vectors, "POOL_MIN_DOCUMENTS", 1)
    monkeypatch.setattr(vectors, "TERMS_BATCH", 3)  # several pool tasks: their order is tested
    monkeypatch.setattr(vectors, "SERIES_SLICE_ROWS", 5)  # Series read in slices that split pool tasks
    weights = vectors.TermWeights(title=2.0, entity=1.0, number=1.0, lead_decay=5.0)
    titles = [None, "Fire kills 5", "", "Markets fall"] * 3
    bodies = [f"Police said {n} people died in Zürich. Mayor Corine Mauch spoke at {n}:30." for n in range(12)]
    given = (titles, bodies) if columns == "lists" else (pl.Series(titles, dtype=pl.String), pl.Series(bodies))
    got = vectors.night_term_weights(*given, weights, workers=workers)
    want = [vectors.term_weights(t, b, weights) for t, b in zip(titles, bodies)]
    assert len(got) == len(want) == 12
    for (gi, gv), (wi, wv) in zip(got, want):
        assert gi.tolist() == wi.tolist() and gv.tolist() == wv.tolist()
    assert vectors.night_term_weights([], [], weights, workers=workers) == []


def test_pairs_within_leave_the_callers_matrix_as_it_was():
    matrix = sp.csr_matrix(_unit_rows(20, 12, 0.4, seed=6)[:, ::-1])  # column reversal: unsorted terms
    assert not matrix.has_sorted_indices
    before = (matrix.indices.copy(), matrix.data.copy())
    pairs_within(matrix, np.arange(20), 0.2)
    assert np.array_equal(matrix.indices, before[0]) and np.array_equal(matrix.data, before[1])


def test_raw_matrix_has_a_compact_column_per_present_feature_in_feature_order():
    rng = np.random.default_rng(8)
    ids = [np.sort(rng.choice(vectors.HASH_DIM, size=k, replace=False)).astype(np.uint32)
           for k in (5, 0, 12, 3, 0, 9)]
    ids[2][:2] = ids[0][:2]  # shared features
    ids[3][-1] = vectors.BLOCK + 7  # a name feature
    vals = [rng.random(len(x)).astype(np.float32) for x in ids]
    frame = pl.DataFrame({"ids": vectors.list_series(ids, pl.UInt32), "vals": vectors.list_series(vals, pl.Float32)})
    # the whole frame, and a slice (its Arrow buffers start at an offset)
    for part, rows in ((frame, range(6)), (frame.slice(1, 4), range(1, 5))):
        m = vectors.raw_matrix(part["ids"], part["vals"])
        features = np.unique(np.concatenate([ids[r] for r in rows]))
        assert m.shape == (len(rows), len(features))
        dense = m.toarray()
        for k, r in enumerate(rows):
            expected = np.zeros(len(features), np.float32)
            expected[np.searchsorted(features, ids[r])] = vals[r]
            assert np.array_equal(dense[k], expected)
        assert np.array_equal(m.name_columns, features >= vectors.BLOCK)

"""The batched copy stage computes exactly what the per-document definitions do."""

import numpy as np
import polars as pl
import pytest
import xxhash

from wiretrace.stories.copies import CopyRule, assign_copy_groups
from wiretrace.stories.minhash import (
    MinHasher,
    band_keys,
    candidate_pairs,
    fingerprint_texts,
    intersection_sizes,
    overlap,
)
from wiretrace.stories.pipeline import Bodies, stored_shingles
from wiretrace.stories.text import (
    ShingleSets,
    body_hash,
    body_hashes,
    night_tokens,
    shingle_hashes,
    words,
)

TRICKY = [
    "",
    "one",
    "two words",
    "Russia’s offensive — in “Ukraine”, said the   U.S. leader's aide.\nrock'n'roll don't 'quoted' a'b'c'd x_y",
    "Crème brûlée café naïve ﬁne İstanbul ß ΟΔΟΣ ΣΟΦΟΣ Σ",
    # code points Python's re and Rust's regex classify differently (combining marks, numerals)
    "नमस्ते दुनिया हिन्दी भाषा में e\u0301cole ① ² ½ ٣٤٥ ab\u200dcd",
    "Nguyễn Thị Minh Khai 2024-03-01 3.5% 1,000,000",
]


def _texts() -> list[str]:
    rng = np.random.default_rng(3)
    vocab = [f"w{i}" for i in range(300)] + ["said", "it's", "police", "Zürich", "naïve"]
    return TRICKY + [" ".join(rng.choice(vocab, size=int(n))) for n in rng.integers(0, 400, size=60)]


def test_night_tokens_and_shingle_sets_equal_the_per_document_functions():
    texts = _texts()
    tokens = night_tokens(texts)
    assert tokens.to_list() == [words(t) for t in texts]
    assert body_hashes(tokens) == [body_hash(t) for t in texts]
    for k in (1, 3, 4):
        sets = ShingleSets.of(tokens, k)
        assert len(sets) == len(texts)
        for i, t in enumerate(texts):
            assert np.array_equal(sets[i], shingle_hashes(t, k)), (k, t[:30])
    assert [len(x) for x in ShingleSets.of_texts(texts, 4).as_list()] == [len(shingle_hashes(t, 4)) for t in texts]


@pytest.mark.parametrize("as_series", [False, True])
@pytest.mark.parametrize("chunk_docs", [1, 7, 1000])
def test_fingerprint_texts_in_threaded_chunks_equal_the_whole_night_at_once(chunk_docs, as_series):
    texts = _texts()
    hasher = MinHasher(num_perm=32)
    tokens = night_tokens(texts)
    whole = ShingleSets.of(tokens, 4)
    # the copy stage hands over the body column itself: chunks become Python strings only when hashed
    given = pl.Series(texts, dtype=pl.String) if as_series else texts
    got = fingerprint_texts(given, 4, hasher, chunk_docs=chunk_docs, threads=2)
    assert np.array_equal(got.shingles.offsets, whole.offsets)
    assert np.array_equal(got.shingles.flat, whole.flat)
    assert np.array_equal(got.signatures, hasher.signatures(whole))
    assert got.body_hashes == body_hashes(tokens)
    none = fingerprint_texts([], 4, hasher, chunk_docs=chunk_docs)
    assert (len(none.shingles), none.signatures.shape, none.body_hashes) == (0, (0, 32), [])


def test_signatures_of_sets_and_arrays_agree_with_the_hash_family():
    sets = ShingleSets.of_texts(_texts(), 4)
    hasher = MinHasher(num_perm=64)
    sig = hasher.signatures(sets, max_rows=500)  # small chunks: documents span several chunks' worth
    assert np.array_equal(sig, hasher.signatures(sets.as_list()))
    a, b = hasher._coefficients()
    for i in (3, 5, len(sets) - 1):
        x = sets[i].astype(np.uint64)
        with np.errstate(over="ignore"):
            expected = ((np.multiply.outer(a, x) + b[:, None]) >> np.uint64(32)).min(axis=1)
        assert np.array_equal(sig[i], expected.astype(np.uint32))
    assert (sig[0] == np.uint32(0xFFFFFFFF)).all()  # empty text


def test_candidate_pairs_link_each_bucket_member_to_its_earliest_members_only():
    # six identical documents share every band key; one unrelated; one empty (never pairs)
    keys = np.array([[7, 8]] * 6 + [[1, 2], [7, 8]], dtype=np.uint64)
    order = np.array([5, 4, 3, 2, 1, 0, 6, 7])  # document 5 is the earliest
    empty = np.array([False] * 7 + [True])
    i, j = candidate_pairs(keys, order, empty, fanout=2)
    pairs = set(zip(i.tolist(), j.tolist()))
    heads = {5, 4}  # the two earliest by order
    assert pairs == {(5, 4)} | {(h, d) for h in heads for d in (3, 2, 1, 0)}
    assert list(zip(j.tolist(), i.tolist())) == sorted(zip(j.tolist(), i.tolist()))




def _star_pairs(keys, order, empty, fanout):
    """The definition, per band in Python: each bucket member paired with its fanout earliest members."""
    pairs = set()
    for band in range(keys.shape[1]):
        buckets = {}
        for d in np.argsort(order, kind="stable"):
            if not empty[d]:
                buckets.setdefault(int(keys[d, band]), []).append(int(d))
        for members in buckets.values():
            pairs |= {(members[h], d) for p, d in enumerate(members) for h in range(min(p, fanout))}
    return pairs


@pytest.mark.parametrize("low_bits_only", [False, True])
def test_candidate_pairs_are_the_star_pairs_of_every_bucket(low_bits_only):
    # low_bits_only: keys that share their high bits and differ in the low ones are different buckets
    # (the bucket sort groups by high bits first)
    rng = np.random.default_rng(2)
    n = 300
    keys = rng.integers(0, 4, size=(n, 6)).astype(np.uint64)
    keys = keys | (np.uint64(7) << np.uint64(60)) if low_bits_only else keys << np.uint64(60)
    order, empty = rng.permutation(n), rng.random(n) < 0.05
    i, j = candidate_pairs(keys, order, empty, fanout=2)
    assert set(zip(i.tolist(), j.tolist())) == _star_pairs(keys, order, empty, 2)
    assert np.all(order[i] < order[j]) and len(i) > 1000

@pytest.mark.parametrize("fanout", [1, 3])
def test_candidate_pairs_for_query_documents_are_the_unrestricted_pairs_that_end_in_one(fanout):
    # few distinct band values, so buckets mix earlier and query documents at every position
    rng = np.random.default_rng(5)
    n = 400
    keys = rng.integers(0, 6, size=(n, 8)).astype(np.uint64)
    order = rng.permutation(n)
    empty = rng.random(n) < 0.05
    query = order >= 250  # the latest documents, as a night after the earlier nights
    query[rng.choice(n, 20)] = True  # and some that are not the latest
    all_i, all_j = candidate_pairs(keys, order, empty, fanout=fanout)
    i, j = candidate_pairs(keys, order, empty, fanout=fanout, query=query)
    assert len(i) > 100
    assert np.array_equal(i, all_i[query[all_j]]) and np.array_equal(j, all_j[query[all_j]])
    none_i, _ = candidate_pairs(keys, order, empty, fanout=fanout, query=np.zeros(n, dtype=bool))
    assert len(none_i) == 0

def test_intersection_sizes_match_per_pair_intersections_in_any_chunking():
    sets = ShingleSets.of_texts(_texts(), 3)
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, len(sets), size=300), rng.integers(0, len(sets), size=300)
    expected = [len(np.intersect1d(sets[a], sets[b])) for a, b in zip(i, j)]
    assert intersection_sizes(sets, i, j).tolist() == expected
    assert intersection_sizes(sets, i, j, max_shingles=700).tolist() == expected


def test_earlier_documents_are_loaded_once_in_one_batch_and_only_when_paired():
    base = " ".join(f"t{i}" for i in range(300))
    other = " ".join(f"u{i}" for i in range(300))
    texts = [base, other, base + " extra words here", " ".join(f"v{i}" for i in range(300))]  # 0, 1 earlier
    sets = [shingle_hashes(t, 4) for t in texts]
    loads = []

    def loader(indices):
        loads.append(list(indices))
        return [sets[i] for i in indices]

    groups, jac, con = assign_copy_groups(
        signatures=MinHasher().signatures(sets), shingles=[None, None, sets[2], sets[3]], shingle_loader=loader,
        body_hashes=[body_hash(t) for t in texts], group_of=["cg_a", "cg_b", None, None],
        new_group_id=lambda i: f"new{i}", order=np.arange(4), rows_per_band=2, rule=CopyRule())
    assert groups == ["cg_a", "cg_b", "cg_a", "new3"]
    assert loads == [[0]]  # document 1 shares no band with tonight's documents
    assert (jac[2], con[2]) == pytest.approx(overlap(sets[0], sets[2]))


def test_copy_rule_is_the_same_for_one_pair_and_for_arrays():
    rule = CopyRule()
    cases = [(0.3, 0.3, 10), (0.1, 0.6, 50), (0.1, 0.6, 30), (0.2, 0.4, 100), (0.25, 0.0, 0)]
    scalar = [bool(rule.accepts(*c)) for c in cases]
    assert scalar == [True, True, False, False, True]
    jc, cn, sm = (np.array(x) for x in zip(*cases))
    assert rule.accepts(jc, cn, sm).tolist() == scalar


def test_token_hashes_are_xxh32_of_the_words():
    texts = _texts()
    sets = ShingleSets.of_texts(texts, 1)  # 1-grams: the combined hash of one token hash
    for i in (3, 4, 5):
        toks = words(texts[i])
        tok_h = np.array([xxhash.xxh32_intdigest(t.encode()) for t in toks], dtype=np.uint64)
        with np.errstate(over="ignore"):
            acc = tok_h * np.uint64(0x9E3779B97F4A7C15)
            acc ^= acc >> np.uint64(29)
        assert np.array_equal(sets[i], np.unique((acc >> np.uint64(32)).astype(np.uint32)))


def test_stored_shingles_are_read_back_and_rows_without_them_are_shingled_from_their_body():
    texts = _texts()[:10]  # the first is empty: an empty list is stored, not NULL
    stored = ShingleSets.of_texts(texts, 4).as_series().to_list()
    stored[3] = stored[6] = stored[8] = None  # written before shingles were stored
    ids = [f"a{i}" for i in range(len(texts))]
    fingerprints = pl.DataFrame({"article_id": ids, "shingles": pl.Series(stored, dtype=pl.List(pl.UInt32))})
    bodies = Bodies(frame=pl.DataFrame({"article_id": ids, "body": texts, "title": None}).reverse()
                    .filter(pl.col("article_id") != "a8"))
    out = stored_shingles(fingerprints, bodies, 4)
    expected = [shingle_hashes(t, 4) for t in texts]
    expected[8] = np.empty(0, dtype=np.uint32)  # neither stored shingles nor a body
    assert [x.tolist() for x in out] == [x.tolist() for x in expected]
    assert [x.tolist() for x in stored_shingles(fingerprints.drop("shingles"), bodies, 4)][:3] == [x.tolist() for x in expected[:3]]

"""The alignment's blocking step returns exactly the pairs its definition names."""

import random

import pytest

from wiretrace.claims.align import _overlap_pairs


def _by_definition(sets, min_shared, jaccard, common_df):
    df = {}
    for s in sets:
        for t in s:
            df[t] = df.get(t, 0) + 1
    counted = [{t for t in s if not common_df or df[t] <= common_df} for s in sets]
    pairs = []
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            k = len(counted[i] & counted[j])
            smaller = min(len(counted[i]), len(counted[j])) if common_df else min(len(sets[i]), len(sets[j]))
            if k >= max(1, min_shared * smaller) and k >= jaccard * (len(counted[i]) + len(counted[j]) - k):
                pairs.append((i, j))
    return pairs


@pytest.mark.parametrize("n", [3, 24, 25, 120])
@pytest.mark.parametrize("min_shared,jaccard,common_df", [(0.6, 0.0, 0), (0.3, 0.0, 6), (0.0, 0.2, 0)])
def test_overlap_pairs_equal_their_definition(n, min_shared, jaccard, common_df):
    rng = random.Random(n * 7 + common_df)
    words = [f"w{k}" for k in range(40)]
    sets = [set(rng.sample(words, rng.randint(2, 9))) for _ in range(n)]
    ii, jj = _overlap_pairs(sets, min_shared, jaccard=jaccard, common_df=common_df)
    got = sorted(zip(ii.tolist(), jj.tolist()))
    assert got == _by_definition(sets, min_shared, jaccard, common_df)
    assert all(i < j for i, j in got) and (len(got) > 0 or n < 24)

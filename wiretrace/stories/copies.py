"""Copy groups: exact copies by body hash, edited and partial copies by MinHash/LSH + exact verification.

Assignment is greedy in a fixed order (earlier nights first, then publication date, then article id):
each article joins the group of its best verified earlier neighbour, or founds a group.

Greedy order alone splits one wire text whose two versions only meet through a third copy (seeds:
000 and 001 are one version, 002 the next; 001 meets 002 at Jaccard 0.62, 000 at 0.28, but 000 and
001 are processed before 002 and 000-001 alone fall below the rule when the order puts 001 first).
So an article that is an *edited copy* (Jaccard rule, not containment alone) of members of several
groups merges them: a round-up quoting two wire texts is contained in both but an edited copy of
neither, so it cannot bridge them. Only groups founded this night are absorbed, into the earliest
group: ids from earlier nights never change (two earlier groups bridged by a new article stay apart
and the article joins the closer one).
"""

from dataclasses import dataclass

import numpy as np

from wiretrace.stories.minhash import band_keys, candidate_pairs, intersection_sizes, overlap
from wiretrace.stories.text import ShingleSets


@dataclass(frozen=True)
class CopyRule:
    """When two bodies count as copies of one source text.

    Measured on the seeds (word 4-grams): the two versions of the AFP text sit at Jaccard 0.23-0.60,
    the half copy (003) at containment 0.80 against the later version, an independent rewrite of the
    same event at Jaccard <= 0.01 and containment <= 0.03.
    """

    jaccard_min: float = 0.25
    containment_min: float = 0.5
    # Containment alone is only trusted when the smaller text is long enough (a one-line brief is
    # "contained" in many articles).
    containment_min_shingles: int = 40
    # Two groups bridged by an edited copy of both merge only if their bridged members share this much
    # text themselves (seeds: the two AFP versions 0.47-0.48; two different wire texts ~0).
    bridge_containment_min: float = 0.25

    def accepts(self, jaccard, containment, smaller):
        """For one pair (floats) or element-wise for many (numpy arrays)."""
        return (np.asarray(jaccard) >= self.jaccard_min) | (
            (np.asarray(containment) >= self.containment_min) & (np.asarray(smaller) >= self.containment_min_shingles))


def assign_copy_groups(
    *,
    signatures: np.ndarray,
    shingles: list[np.ndarray | None],
    shingle_loader,
    body_hashes: list[str],
    group_of: list[str | None],
    new_group_id,
    order: np.ndarray,
    rows_per_band: int,
    rule: CopyRule,
    fanout: int = 3,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Assign every document with ``group_of[i] is None`` to a copy group.

    Documents with a group already (earlier nights) are only matched against. ``order`` ranks all
    documents (earlier nights first). ``shingle_loader(indices)`` computes the shingles of earlier
    documents on demand (a list of arrays; only those that appear in a candidate pair). Returns group
    ids and, per document, the Jaccard and containment against the earlier member it joined through
    (1.0 for founders/exact).
    """
    n = len(group_of)
    groups = list(group_of)
    jac = np.ones(n)
    con = np.ones(n)
    rank_order = np.argsort(order, kind="stable")
    placed = np.fromiter((g is not None for g in groups), dtype=bool, count=n)
    todo = rank_order[~placed[rank_order]].tolist()
    if not todo:
        return groups, jac, con

    empty = np.array([s is not None and len(s) == 0 for s in shingles], dtype=bool)
    keys = band_keys(signatures, rows_per_band)
    # only tonight's documents are placed: pairs among earlier ones are never asked for
    pair_i, pair_j = candidate_pairs(keys, order, empty, fanout=fanout, query=~placed)
    del keys, signatures  # the night's largest arrays after the shingles: not needed past the candidates
    # Only this night's documents are placed, and an exact copy of an earlier document (same body hash,
    # not empty) joins its group without looking at candidates: verify pairs of the others only.
    # first_with_hash: the earliest earlier document of each body hash that tonight's documents have.
    tonight_hashes = {body_hashes[j] for j in todo}
    first_with_hash: dict[str, int] = {}
    for i in rank_order[placed[rank_order]].tolist():
        if body_hashes[i] in tonight_hashes and body_hashes[i] not in first_with_hash:
            first_with_hash[body_hashes[i]] = i
    seen_hashes = set(first_with_hash)
    needs_pairs = np.zeros(n, dtype=bool)
    for j in todo:
        needs_pairs[j] = body_hashes[j] not in seen_hashes or len(shingles[j]) == 0
        seen_hashes.add(body_hashes[j])
    pair_i, pair_j = pair_i[needs_pairs[pair_j]], pair_j[needs_pairs[pair_j]]

    # Exact verification of every candidate pair at once (the rule needs true overlaps, not estimates).
    involved = np.unique(np.concatenate([pair_i, pair_j]))
    missing = [i for i in involved.tolist() if shingles[i] is None]
    if missing:
        for i, s in zip(missing, shingle_loader(missing)):
            shingles[i] = s
    local = np.full(n, -1, dtype=np.int64)
    local[involved] = np.arange(len(involved))
    sets = ShingleSets.from_arrays([shingles[i] for i in involved])
    inter = intersection_sizes(sets, local[pair_i], local[pair_j])
    size_i, size_j = sets.sizes[local[pair_i]], sets.sizes[local[pair_j]]
    del sets  # a copy of the paired documents' shingles
    smaller = np.minimum(size_i, size_j)
    with np.errstate(divide="ignore", invalid="ignore"):
        pair_jac = np.where(smaller > 0, inter / (size_i + size_j - inter), 0.0)
        pair_con = np.where(smaller > 0, inter / smaller, 0.0)
    accepted = rule.accepts(pair_jac, pair_con, smaller)
    acc_i, acc_j, acc_jac, acc_con = pair_i[accepted], pair_j[accepted], pair_jac[accepted], pair_con[accepted]
    # Every i of a pair precedes its j in ``order``, so it has a group by the time j is placed: j's
    # best partner (max of Jaccard/containment, then Jaccard, then the earliest) does not depend on
    # the assignment and is chosen for all documents at once.
    by_score = np.lexsort((-order[acc_i], acc_jac, np.maximum(acc_jac, acc_con), acc_j))
    last = by_score[np.concatenate((acc_j[by_score][1:] != acc_j[by_score][:-1], [True]))] if len(by_score) else by_score
    best_of = dict(zip(acc_j[last].tolist(), zip(acc_i[last].tolist(), acc_jac[last].tolist(), acc_con[last].tolist())))
    # Documents that are edited copies of two or more earlier ones may bridge groups (checked in order).
    edited = acc_jac >= rule.jaccard_min
    edited_j, edited_i = acc_j[edited], acc_i[edited]  # still sorted by (j, i)
    multi = np.flatnonzero(np.bincount(edited_j, minlength=n) > 1)
    in_multi = np.isin(edited_j, multi)
    multi_j, multi_i = edited_j[in_multi], edited_i[in_multi]
    edited_partners: dict[int, list[int]] = {}
    if len(multi_j):
        runs = np.flatnonzero(np.concatenate(([True], multi_j[1:] != multi_j[:-1])))
        edited_partners = dict(zip(multi_j[runs].tolist(), (p.tolist() for p in np.split(multi_i, runs[1:]))))

    def get_shingles(i: int) -> np.ndarray:
        if shingles[i] is None:
            shingles[i] = shingle_loader([i])[0]
        return shingles[i]

    earlier_groups = set(group_of) - {None}
    members_of_new: dict[str, list[int]] = {}  # this night's groups -> their members so far
    # group -> rank of its first member; earlier nights' groups rank before all of tonight's
    founded_at: dict[str, int] = dict.fromkeys(earlier_groups, -1)

    for j in todo:
        exact = first_with_hash.get(body_hashes[j])
        if exact is not None and groups[exact] is not None and len(shingles[j]):
            groups[j] = groups[exact]
            members_of_new.get(groups[j], []).append(j)
            continue
        best = best_of.get(j)
        if best is None:
            groups[j] = new_group_id(j)
            members_of_new[groups[j]] = [j]
            founded_at[groups[j]] = int(order[j])
        else:
            groups[j] = groups[best[0]]
            jac[j], con[j] = best[1], best[2]
            members_of_new.get(groups[j], []).append(j)
            edited_copy_of: dict[str, int] = {}  # group -> its first member j is an edited copy of
            for i in edited_partners.get(j, ()):
                edited_copy_of.setdefault(groups[i], i)
            if len(edited_copy_of) > 1:
                _merge_bridged(groups, edited_copy_of, earlier_groups, members_of_new, founded_at,
                               shares_text=lambda a, b: overlap(get_shingles(a), get_shingles(b))[1] >= rule.bridge_containment_min)
        first_with_hash.setdefault(body_hashes[j], j)
    return groups, jac, con


def _merge_bridged(groups, bridged: dict[str, int], earlier_groups, members_of_new, founded_at, shares_text) -> None:
    """Fold this night's groups among ``bridged`` (group -> member) into the earliest of them when the
    members share text; earlier nights' ids stay."""
    survivor, *others = sorted(bridged, key=lambda g: (founded_at[g], g))
    for g in others:
        if g in earlier_groups or not shares_text(bridged[survivor], bridged[g]):
            continue  # an id stored by an earlier night never changes
        moved = members_of_new.pop(g)
        for m in moved:
            groups[m] = survivor
        if survivor in members_of_new:
            members_of_new[survivor].extend(moved)
        del founded_at[g]

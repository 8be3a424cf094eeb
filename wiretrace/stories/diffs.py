"""What each copy changed: sentences inserted/removed relative to the copy group's representative."""

from difflib import SequenceMatcher
from itertools import chain

from wiretrace.cores import process_map
from wiretrace.stories.text import sentence_key, split_sentences

Split = tuple[list[str], list[str]]  # a body's sentences and their comparison keys


def split_for_diff(body: str) -> Split:
    sentences = split_sentences(body)
    return sentences, [sentence_key(s) for s in sentences]


def sentence_diff(member_body: str, representative_body: str) -> list[tuple[str, int, str]]:
    """(op, sentence_index, sentence) rows; op is 'inserted' (index in the member) or 'removed' (index in the representative)."""
    return diff_split(split_for_diff(member_body), split_for_diff(representative_body))


def diff_split(member: Split, representative: Split) -> list[tuple[str, int, str]]:
    """``sentence_diff`` of two bodies already split by ``split_for_diff``."""
    mine, mine_keys = member
    theirs, their_keys = representative
    matcher = SequenceMatcher(a=their_keys, b=mine_keys, autojunk=False)
    rows: list[tuple[str, int, str]] = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            rows.extend(("removed", i, theirs[i]) for i in range(a0, a1))
        if tag in ("replace", "insert"):
            rows.extend(("inserted", j, mine[j]) for j in range(b0, b1))
    return rows


# Below this many pairs the diffs run in the calling process: a pool's start costs more than it saves.
POOL_MIN_PAIRS = 2_000
DIFF_BATCH = 500  # pairs per pool task (consecutive in representative order, so each split is reused)


def representative_diffs(pairs: list[tuple[str, str]], *, workers: int = 1) -> list[list[tuple[str, int, str]]]:
    """``sentence_diff(member, representative)`` for each (member body, representative body) pair, in
    order, on ``workers`` processes for a large night. Pairs are visited grouped by representative so
    each one is split once: a copy group's representative is diffed against every other member (six
    times per representative on a 100k night)."""
    order = sorted(range(len(pairs)), key=lambda k: pairs[k][1])
    grouped = [pairs[k] for k in order]
    if workers > 1 and len(pairs) >= POOL_MIN_PAIRS:
        batches = [grouped[i:i + DIFF_BATCH] for i in range(0, len(grouped), DIFF_BATCH)]
        diffs = chain.from_iterable(process_map(_grouped_diffs, batches, workers=workers, batch=1))
    else:
        diffs = _grouped_diffs(grouped)
    out: list[list[tuple[str, int, str]]] = [[] for _ in pairs]
    for k, rows in zip(order, diffs):
        out[k] = rows
    return out


def _grouped_diffs(pairs: list[tuple[str, str]]) -> list[list[tuple[str, int, str]]]:
    """``diff_split`` of pairs sorted by representative, splitting each representative once."""
    out = []
    current, current_split = None, None
    for member, representative in pairs:
        if representative != current:
            current, current_split = representative, split_for_diff(representative)
        out.append(diff_split(split_for_diff(member), current_split))
    return out

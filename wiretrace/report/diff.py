"""Side-by-side diff of a copy against its copy group's representative.

Sentences (the claims stage's splitter, which keeps "U.S." and glued paragraphs right) are aligned with
difflib on the comparison key the story stage uses for stories.diffs (normalised words, so quote style
and spacing are not edits); a pair of replaced sentences is then diffed word by word so the changed
words themselves are highlighted. Word level uses rapidfuzz's Indel (LCS) opcodes and similarity, in C:
difflib there took 12 of 25 s of a 136-story night's reports, most of it scoring candidate pairs.
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz.distance import Indel

from wiretrace.claims.sentences import split_sentences as sentence_spans
from wiretrace.stories.text import sentence_key

# Words, runs of punctuation and runs of white space: joining the tokens gives the sentence back.
_TOKEN = re.compile(r"\w+|[^\w\s]+|\s+")
# Replaced sentences less similar than this are shown as one removal and one insertion, not word edits.
PAIR_MIN_RATIO = 0.5
# Above this many candidate pairs in one replaced block, skip pairing (word diffs are quadratic).
MAX_PAIRINGS = 2500


# Named tuples, not frozen dataclasses: a night's reports make millions of segments and rows, and a
# frozen dataclass's __init__ costs several times a tuple's.
class Segment(NamedTuple):
    text: str
    change: str | None = None  # None (unchanged), "del" (only in the representative), "ins" (only in the copy)


class DiffRow(NamedTuple):
    kind: str  # equal | replace | delete | insert
    left: tuple[Segment, ...]  # representative side; empty for insert
    right: tuple[Segment, ...]  # copy side; empty for delete


@dataclass(frozen=True)
class CopyDiff:
    rows: tuple[DiffRow, ...]
    inserted: int  # sentences only in the copy
    removed: int  # sentences only in the representative
    changed: int  # sentence pairs with word edits

    @property
    def identical(self) -> bool:
        return not (self.inserted or self.removed or self.changed)


def _merge(segments: list[Segment]) -> tuple[Segment, ...]:
    merged: list[Segment] = []
    for seg in segments:
        if not seg.text:
            continue
        if merged and merged[-1].change == seg.change:
            merged[-1] = Segment(merged[-1].text + seg.text, seg.change)
        else:
            merged.append(seg)
    return tuple(merged)


@lru_cache(maxsize=16_384)  # the copies of a story share most sentences: each is tokenised once
def _words(sentence: str) -> tuple[str, ...]:
    # Similarity on words only: shared spaces and commas would make unrelated sentences look alike.
    return tuple(t.casefold() for t in _TOKEN.findall(sentence) if not t.isspace())


def word_ratio(old_words, new_words) -> float:
    """2 * LCS / total words: 1.0 for the same words, 0.0 for none shared."""
    return Indel.normalized_similarity(old_words, new_words)


def word_diff(old: str, new: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...], float]:
    """Word-level diff of two sentences: (old side, new side, similarity ratio)."""
    left, right = _word_segments(old, new)
    return left, right, word_ratio(_words(old), _words(new))


def _word_segments(old: str, new: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    left: list[Segment] = []
    right: list[Segment] = []
    for tag, a0, a1, b0, b1 in Indel.opcodes(a, b).as_list():  # tuples: far cheaper than Opcode objects
        if tag == "equal":
            left.append(Segment("".join(a[a0:a1])))
            right.append(Segment("".join(b[b0:b1])))
            continue
        if a1 > a0:
            left.append(Segment("".join(a[a0:a1]), "del"))
        if b1 > b0:
            right.append(Segment("".join(b[b0:b1]), "ins"))
    return _merge(left), _merge(right)


def split_sentences(body: str) -> list[str]:
    return [body[start:end] for start, end in sentence_spans(body)]


@lru_cache(maxsize=64)  # a representative is compared with every copy of its group
def _sentences_and_keys(body: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    sentences = tuple(split_sentences(body))
    return sentences, tuple(sentence_key(s) for s in sentences)


def diff_copy(copy_body: str, representative_body: str) -> CopyDiff:
    """Align the copy's sentences with the representative's; word-diff the replaced pairs."""
    theirs, their_keys = _sentences_and_keys(representative_body)
    mine, my_keys = _sentences_and_keys(copy_body)
    matcher = SequenceMatcher(a=their_keys, b=my_keys, autojunk=False)
    rows: list[DiffRow] = []
    inserted = removed = changed = 0
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(DiffRow("equal", (Segment(theirs[i]),), (Segment(mine[j]),))
                        for i, j in zip(range(a0, a1), range(b0, b1), strict=True))
            continue
        # Pair replaced sentences in order with the first similar enough sentence of the other side;
        # what stays unpaired is a whole-sentence removal or insertion.
        new_block = mine[b0:b1]
        new_words = [_words(s) for s in new_block]
        cursor = 0
        pairable = (a1 - a0) * (b1 - b0) <= MAX_PAIRINGS
        for old in theirs[a0:a1]:
            old_words = _words(old)
            for j in range(cursor, len(new_block) if pairable else cursor):
                if word_ratio(old_words, new_words[j]) >= PAIR_MIN_RATIO:
                    left, right = _word_segments(old, new_block[j])  # the pair's ratio is known
                    rows.extend(DiffRow("insert", (), (Segment(s, "ins"),)) for s in new_block[cursor:j])
                    inserted += j - cursor
                    rows.append(DiffRow("replace", left, right))
                    changed += 1
                    cursor = j + 1
                    break
            else:
                rows.append(DiffRow("delete", (Segment(old, "del"),), ()))
                removed += 1
        rows.extend(DiffRow("insert", (), (Segment(s, "ins"),)) for s in new_block[cursor:])
        inserted += len(new_block) - cursor
    return CopyDiff(tuple(rows), inserted=inserted, removed=removed, changed=changed)

"""What each copy changed: sentences inserted/removed relative to the copy group's representative."""

from difflib import SequenceMatcher

from wiretrace.stories.text import sentence_key, split_sentences


def sentence_diff(member_body: str, representative_body: str) -> list[tuple[str, int, str]]:
    """(op, sentence_index, sentence) rows; op is 'inserted' (index in the member) or 'removed' (index in the representative)."""
    mine = split_sentences(member_body)
    theirs = split_sentences(representative_body)
    matcher = SequenceMatcher(a=[sentence_key(s) for s in theirs], b=[sentence_key(s) for s in mine], autojunk=False)
    rows: list[tuple[str, int, str]] = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            rows.extend(("removed", i, theirs[i]) for i in range(a0, a1))
        if tag in ("replace", "insert"):
            rows.extend(("inserted", j, mine[j]) for j in range(b0, b1))
    return rows

"""Loads the maintained boilerplate pattern list (``patterns.yaml``) and matches lines against it."""

import re
import re._constants as sre  # the parser's opcodes: first characters of a pattern
import re._parser as sre_parse
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import polars as pl
import regex
import yaml

MAX_PATTERN_WORDS = 40


@dataclass(frozen=True)
class Pattern:
    id: str
    regex: re.Pattern
    comment: str
    lift: str | None = None
    where: str = "any"          # any | head | edge
    opens_block: bool = False
    needs: tuple[str, ...] = ()  # lowercase substrings, one of which a matching line must contain


@dataclass(frozen=True)
class PatternSet:  # built once per pattern file (load_patterns is cached)
    patterns: tuple[Pattern, ...]
    combined: re.Pattern        # all patterns in one alternation (for callers that only ask "any?")
    anchored: re.Pattern | None  # the patterns without ``needs`` in one alternation: one pass per line
    by_first_char: dict[str, re.Pattern | None]  # ASCII first character -> alternation of the anchored
                                                 # patterns that can start with it (None: none can)
    keywords: tuple[str, ...]   # every ``needs`` substring, deduplicated
    # ``anchored`` for the regex module, whose partial matching answers "could a line starting with this
    # text match" (syntax and IGNORECASE agree with ``re`` on printable ASCII and caseless punctuation,
    # all it is asked about)
    anchored_partial: regex.Pattern | None = None
    # prefix -> whether an anchored pattern can match a line starting with it (feasible_prefixes)
    _prefix_cache: dict = field(default_factory=dict, compare=False, repr=False)
    _try_cache: dict = field(default_factory=dict, compare=False, repr=False)  # see _to_try

    def feasible_prefixes(self, prefixes: list[str]) -> set[str]:
        """The prefixes (a line's first few characters: printable ASCII, typographic punctuation) that
        some anchored pattern can match a line starting with: ``regex``'s partial matching answers
        "could this text be the start of a match". A line whose prefix is not in the set cannot match
        ``anchored``, so the night's lines are tested once per distinct prefix instead of once per
        line. Callers send a line that is shorter than the prefix length as itself (a partial match
        includes a full one).
        """
        if self.anchored_partial is None:
            return set()
        cache, partial = self._prefix_cache, self.anchored_partial
        out = set()
        for p in prefixes:
            ok = cache.get(p)
            if ok is None:
                ok = cache[p] = partial.match(p, partial=True) is not None
            if ok:
                out.add(p)
        return out

    def first_anchored(self, line: str) -> int | None:
        """Index (in ``patterns``) of the first anchored (``needs``-free) pattern, in file order, that
        matches the line; None if none does. The alternation is chosen by the line's first character
        (``by_first_char``): a line starting with 'x' is only tried against the patterns that can
        start with 'x' (a 27-way alternation per line was a tenth of the text path)."""
        first = line[:1]
        rx = self.by_first_char.get(first, self.anchored) if first and first < "\x80" else self.anchored
        m = rx.match(line) if rx is not None else None
        return None if m is None else int(m.lastgroup[1:])

    def match(self, line: str, words: int | None = None, found: frozenset[str] | None = None,
              may_anchor: bool = True) -> tuple[Pattern, re.Match] | None:
        """The first pattern (file order) matching the whole-line text, with its match.

        Patterns that scan the line (``.{0,120}\\b…``) are costly in ``re``; they declare ``needs``
        and are only tried when one of those substrings is in the lowercased line. The other
        patterns are anchored on a literal start and are tried together as one alternation.
        ``words``: the line's word count; ``found``: the ``needs`` substrings the lowercased line
        holds (``keywords_found`` for a batch; computed here if not given); ``may_anchor``: False when
        the line's start is known to fit no anchored pattern (``feasible_prefixes``).
        """
        if (words if words is not None else len(line.split())) > MAX_PATTERN_WORDS:
            return None
        anchored = self.first_anchored(line) if may_anchor else None
        if found is None:
            low = line.lower()
            found = frozenset(k for k in self.keywords if k in low)
        if anchored is None and not found:
            return None
        for p in self._to_try(found, anchored):  # file order decides between patterns that both match
            m = p.regex.search(line)
            if m:
                return p, m
        return None

    def _to_try(self, found: frozenset[str], anchored: int | None) -> tuple[Pattern, ...]:
        """The patterns a line holding the keywords ``found`` can match, in file order, up to the first
        anchored pattern that matches it (``anchored``, an index: it ends the list, as it does match).
        Cached: a night's lines hold a few dozen distinct keyword sets."""
        key = (found, anchored)
        todo = self._try_cache.get(key)
        if todo is None:
            stop = len(self.patterns) if anchored is None else anchored
            todo = self._try_cache[key] = tuple(
                p for p in self.patterns[:stop] if p.needs and not found.isdisjoint(p.needs)
            ) + (() if anchored is None else (self.patterns[anchored],))
        return todo

    def keywords_found(self, lowercased: pl.Series) -> pl.Series:
        """The ``needs`` substrings each line holds (lines lowercased, whitespace runs as one space: a
        keyword holds single spaces only, so a line that holds it still does): one overlapping
        Aho-Corasick pass."""
        if not self.keywords:
            return pl.Series([[]] * len(lowercased), dtype=pl.List(pl.String))
        return lowercased.str.extract_many(list(self.keywords), overlapping=True)

    def match_ungated(self, line: str) -> tuple[Pattern, re.Match] | None:
        """``match`` without the ``needs`` gate (the reference the gate must agree with)."""
        if len(line.split()) > MAX_PATTERN_WORDS:
            return None
        for p in self.patterns:
            m = p.regex.search(line)
            if m:
                return p, m
        return None



def _strip_named_groups(rx: str) -> str:
    return re.sub(r"\(\?P<\w+>", "(?:", rx)


@lru_cache(maxsize=None)
def load_patterns(path: str | None = None) -> PatternSet:
    """Pattern list from ``path`` or the packaged ``patterns.yaml``."""
    if path is None:
        text = resources.files("wiretrace.clean").joinpath("patterns.yaml").read_text(encoding="utf-8")
    else:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    spec = yaml.safe_load(text)
    pats, seen = [], set()
    for entry in spec["patterns"]:
        if entry["id"] in seen:
            raise ValueError(f"duplicate pattern id {entry['id']}")
        seen.add(entry["id"])
        needs = tuple(entry.get("needs") or ())
        if any(k != k.lower() or not k for k in needs):
            raise ValueError(f"pattern {entry['id']}: 'needs' entries must be non-empty and lowercase")
        if any("  " in k or "\x00" in k or any(c.isspace() and c != " " for c in k) for k in needs):
            raise ValueError(f"pattern {entry['id']}: 'needs' entries may hold single spaces only (and no NUL)")
        pats.append(Pattern(
            id=entry["id"], regex=re.compile(entry["re"], re.I), comment=entry.get("comment", ""),
            lift=entry.get("lift"), where=entry.get("where", "any"),
            opens_block=bool(entry.get("opens_block", False)), needs=needs))
    combined = re.compile("|".join(f"(?:{_strip_named_groups(p.regex.pattern)})" for p in pats), re.I)
    plain = [(i, p) for i, p in enumerate(pats) if not p.needs]
    anchored = _alternation(plain)
    keywords = tuple(dict.fromkeys(k for p in pats for k in p.needs))
    partial = regex.compile(anchored.pattern, regex.IGNORECASE) if anchored is not None else None
    return PatternSet(tuple(pats), combined, anchored, _dispatch_table(plain), keywords, partial)


def _alternation(pats: list[tuple[int, Pattern]]) -> re.Pattern | None:
    """One alternation of (index, pattern) in the given (file) order; each alternative is the group
    ``_<index>``, so a match's ``lastgroup`` names the first alternative that matched (all are anchored
    on the line start, where ``re`` tries alternatives in order)."""
    if not pats:
        return None
    return re.compile("|".join(f"(?P<_{i}>{_strip_named_groups(p.regex.pattern)})" for i, p in pats), re.I)


_CATEGORY_TEST = {sre.CATEGORY_DIGIT: str.isdecimal, sre.CATEGORY_SPACE: str.isspace,
                  sre.CATEGORY_WORD: lambda c: c.isalnum() or c == "_"}


def _first_chars(items) -> tuple[list | None, bool]:
    """What the parsed regex ``items`` can start with: (atoms, nullable); atoms None = anything.
    An atom is ('lit', ch), ('range', lo, hi) or ('cat', test). Zero-width assertions are skipped."""
    atoms: list = []
    for op, av in items:
        if op is sre.AT:
            continue
        if op is sre.LITERAL:
            return atoms + [("lit", chr(av))], False
        if op is sre.IN:
            for o, a in av:
                if o is sre.LITERAL:
                    atoms.append(("lit", chr(a)))
                elif o is sre.RANGE:
                    atoms.append(("range", chr(a[0]), chr(a[1])))
                elif o is sre.CATEGORY and a in _CATEGORY_TEST:
                    atoms.append(("cat", _CATEGORY_TEST[a]))
                else:  # negated sets, other categories
                    return None, False
            return atoms, False
        if op is sre.SUBPATTERN:
            sub, nullable = _first_chars(av[3])
        elif op is sre.BRANCH:
            sub, nullable = [], False
            for branch in av[1]:
                b, n = _first_chars(branch)
                if b is None:
                    return None, False
                sub, nullable = sub + b, nullable or n
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            sub, nullable = _first_chars(av[2])
            nullable = nullable or av[0] == 0
        else:  # any character, back-references, look-arounds: no bound
            return None, False
        if sub is None:
            return None, False
        atoms += sub
        if not nullable:
            return atoms, False
    return atoms, True


def _can_start(atoms: list | None, nullable: bool, c: str) -> bool:
    """Whether a line starting with ``c`` can match (case-insensitively, as ``re.I`` folds)."""
    if atoms is None or nullable:
        return True
    for atom in atoms:
        if atom[0] == "lit" and re.fullmatch(re.escape(atom[1]), c, re.I):
            return True
        if atom[0] == "range" and re.fullmatch(f"[{re.escape(atom[1])}-{re.escape(atom[2])}]", c, re.I):
            return True
        if atom[0] == "cat" and atom[1](c):
            return True
    return False


def _dispatch_table(pats: list[tuple[int, Pattern]]) -> dict[str, re.Pattern | None]:
    """ASCII first character -> the alternation of the patterns that can start with it (file order)."""
    starts = [_first_chars(sre_parse.parse(p.regex.pattern, re.I)) for _, p in pats]
    return {c: _alternation([ip for ip, (atoms, nullable) in zip(pats, starts) if _can_start(atoms, nullable, c)])
            for c in map(chr, range(1, 128))}

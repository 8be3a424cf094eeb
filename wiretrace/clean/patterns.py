"""Loads the maintained boilerplate pattern list (``patterns.yaml``) and matches lines against it."""

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import polars as pl
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
class PatternSet:
    patterns: tuple[Pattern, ...]
    combined: re.Pattern        # all patterns in one alternation (for callers that only ask "any?")
    anchored: re.Pattern | None  # the patterns without ``needs`` in one alternation: one pass per line
    keywords: tuple[str, ...]   # every ``needs`` substring, deduplicated

    def keyword_hits(self, lines: list[str]) -> list[bool]:
        """Whether each line holds one of the ``needs`` substrings: one vectorised Aho-Corasick pass
        (polars) over a whole batch, instead of a Python loop over the keywords per line."""
        if not lines or not self.keywords:
            return [False] * len(lines)
        return pl.Series(lines, dtype=pl.String).str.to_lowercase().str.contains_any(list(self.keywords)).to_list()

    def match(self, line: str, words: int | None = None,
              keyword_hit: bool | None = None) -> tuple[Pattern, re.Match] | None:
        """The first pattern (file order) matching the whole-line text, with its match.

        Patterns that scan the line (``.{0,120}\\b…``) are costly in ``re``; they declare ``needs``
        and are only tried when one of those substrings is in the lowercased line. The other
        patterns are anchored on a literal start and are tried together as one alternation.
        ``words``: the line's word count, ``keyword_hit``: ``keyword_hits`` of the line, if known.
        """
        if (words if words is not None else len(line.split())) > MAX_PATTERN_WORDS:
            return None
        low = line.lower()
        any_anchored = self.anchored is not None and self.anchored.match(line) is not None
        if not any_anchored:
            if keyword_hit is None:
                keyword_hit = any(k in low for k in self.keywords)
            if not keyword_hit:
                return None
        for p in self.patterns:  # file order decides between patterns that both match
            if p.needs:
                if not any(k in low for k in p.needs):
                    continue
            elif not any_anchored:
                continue
            m = p.regex.search(line)
            if m:
                return p, m
        return None

    def match_ungated(self, line: str) -> tuple[Pattern, re.Match] | None:
        """``match`` without the ``needs`` gate (the reference the gate must agree with)."""
        if len(line.split()) > MAX_PATTERN_WORDS:
            return None
        for p in self.patterns:
            m = p.regex.search(line)
            if m:
                return p, m
        return None

    def matches_any(self, line: str) -> bool:
        return self.match(line) is not None


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
        pats.append(Pattern(
            id=entry["id"], regex=re.compile(entry["re"], re.I), comment=entry.get("comment", ""),
            lift=entry.get("lift"), where=entry.get("where", "any"),
            opens_block=bool(entry.get("opens_block", False)), needs=needs))
    combined = re.compile("|".join(f"(?:{_strip_named_groups(p.regex.pattern)})" for p in pats), re.I)
    plain = [p for p in pats if not p.needs]
    anchored = (re.compile("|".join(f"(?:{_strip_named_groups(p.regex.pattern)})" for p in plain), re.I)
                if plain else None)
    keywords = tuple(dict.fromkeys(k for p in pats for k in p.needs))
    return PatternSet(tuple(pats), combined, anchored, keywords)

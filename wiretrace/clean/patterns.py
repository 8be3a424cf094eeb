"""Loads the maintained boilerplate pattern list (``patterns.yaml``) and matches lines against it."""

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

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


@dataclass(frozen=True)
class PatternSet:
    patterns: tuple[Pattern, ...]
    combined: re.Pattern        # one alternation, group name p<i> → patterns[i]: one pass per line

    def match(self, line: str) -> tuple[Pattern, re.Match] | None:
        """The first pattern (file order) matching the whole-line text, with its match."""
        if len(line.split()) > MAX_PATTERN_WORDS:
            return None
        if not self.combined.match(line):
            return None
        for p in self.patterns:  # the combined regex only says "some pattern"; file order decides
            m = p.regex.search(line)
            if m:
                return p, m
        return None

    def matches_any(self, line: str) -> bool:
        return len(line.split()) <= MAX_PATTERN_WORDS and self.combined.match(line) is not None


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
        pats.append(Pattern(
            id=entry["id"], regex=re.compile(entry["re"], re.I), comment=entry.get("comment", ""),
            lift=entry.get("lift"), where=entry.get("where", "any"),
            opens_block=bool(entry.get("opens_block", False))))
    combined = re.compile("|".join(f"(?:{_strip_named_groups(p.regex.pattern)})" for p in pats), re.I)
    return PatternSet(tuple(pats), combined)

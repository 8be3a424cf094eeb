"""Text primitives of the story stage: normalisation, tokens, sentences, hashed word shingles.

Per-document Python by nature (regexes over one body); everything downstream of the hashed
shingle arrays is numpy/polars.
"""

import re
import unicodedata

import numpy as np
import xxhash

# Typographic variants that differ between copies of one wire text ("’" vs "'", "—" vs "--").
_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": "-", "–": "-", "\u00a0": " "})
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
# A sentence ends at . ! ? (optionally followed by a closing quote) and the next one starts with a
# capital, digit or quote; newlines always end a sentence. Also splits glued "Dnipro.Russia's".
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s*(?=[\"(\[]?[A-Z0-9])|\n+")


def normalise(text: str) -> str:
    """NFKC, unified quotes/dashes, lower case: the form copies are compared in."""
    return unicodedata.normalize("NFKC", text).translate(_TRANSLATE).lower()


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters/digits, inner apostrophes kept)."""
    return _WORD.findall(normalise(text))


def body_hash(text: str) -> str:
    """Hash of the normalised token stream: exact copies differing only in spacing, quotes or case collide."""
    return xxhash.xxh3_64_hexdigest(" ".join(words(text)).encode())


def split_sentences(text: str) -> list[str]:
    """A simple regex sentence split (enough for per-outlet diffs)."""
    parts = _SENTENCE_END.split(unicodedata.normalize("NFKC", text))
    return [p.strip() for p in parts if p and p.strip()]


def sentence_key(sentence: str) -> str:
    """Comparison key of a sentence: its normalised words, so quote style and spacing don't count as edits."""
    return " ".join(words(sentence))


def shingle_hashes(text: str, k: int) -> np.ndarray:
    """Sorted unique 32-bit hashes of the word k-grams of ``text`` (one k-gram if the text is shorter)."""
    toks = words(text)
    if not toks:
        return np.empty(0, dtype=np.uint32)
    # Hash every token once, then combine k consecutive token hashes arithmetically (vectorised),
    # instead of hashing k-gram strings.
    tok_h = np.fromiter((xxhash.xxh32_intdigest(t.encode()) for t in toks), dtype=np.uint64, count=len(toks))
    n = max(len(toks) - k + 1, 1)
    k_eff = min(k, len(toks))
    acc = np.zeros(n, dtype=np.uint64)
    mult = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        for i in range(k_eff):
            acc = (acc ^ tok_h[i : i + n]) * mult
            acc ^= acc >> np.uint64(29)
    return np.unique((acc >> np.uint64(32)).astype(np.uint32))

"""Text primitives of the story stage: normalisation, tokens, sentences, hashed word shingles.

The per-document functions (``words``, ``body_hash``, ``shingle_hashes``) define the values; the
batch versions (``night_tokens``, ``ShingleSets.of``) compute the same values for a whole night at
once: Rust-regex tokens in polars, each distinct token hashed once, k-grams and per-document
dedup as one numpy pass over all documents.
"""

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

# Typographic variants that differ between copies of one wire text ("’" vs "'", "—" vs "--").
_TYPOGRAPHIC = (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("—", "-"), ("–", "-"), ("\u00a0", " "))
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
# A sentence ends at . ! ? (optionally followed by a closing quote) and the next one starts with a
# capital, digit or quote; newlines always end a sentence. Also splits glued "Dnipro.Russia's".
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s*(?=[\"(\[]?[A-Z0-9])|\n+")


def normalise(text: str) -> str:
    """NFKC, unified quotes/dashes, lower case: the form copies are compared in."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():  # every variant is non-ASCII; str.replace is ~40x faster than str.translate here
        for variant, plain in _TYPOGRAPHIC:
            if variant in text:
                text = text.replace(variant, plain)
    return text.lower()


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
    return np.unique((_kgram_hashes(tok_h, min(k, len(toks))) >> np.uint64(32)).astype(np.uint32))


# ---------------------------------------------------------------- a whole night at once
_MULT = np.uint64(0x9E3779B97F4A7C15)


def _kgram_hashes(tok_h: np.ndarray, k: int) -> np.ndarray:
    """uint64 hash of every window of k consecutive token hashes (the combination ``shingle_hashes`` uses)."""
    n = len(tok_h) - k + 1
    acc = np.zeros(n, dtype=np.uint64)
    shifted = np.empty(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(k):
            acc ^= tok_h[i : i + n]
            acc *= _MULT
            np.right_shift(acc, np.uint64(29), out=shifted)
            acc ^= shifted
    return acc


def night_tokens(texts: list[str]) -> pl.Series:
    """``words(t)`` for every text, as a polars list[str] Series (Rust regex over all texts at once).

    Python's ``re`` and Rust's regex crate disagree on whether some code points are word characters
    (combining marks, some numerals, code points one Unicode version assigns and the other does not):
    texts holding any of those are tokenised by ``words`` itself, so the tokens are always identical.
    """
    normalised = [normalise(t) for t in texts]
    tokens = pl.Series(normalised, dtype=pl.String).str.extract_all(_WORD.pattern)
    non_ascii = [i for i, t in enumerate(normalised) if not t.isascii()]  # isascii is O(1) on str
    if not non_ascii:
        return tokens
    suspect = pl.Series([normalised[i] for i in non_ascii], dtype=pl.String)
    chars = suspect.str.extract_all(r"[^\x00-\x7F]").explode().drop_nulls().unique().to_list()
    rust_word = pl.Series(chars, dtype=pl.String).str.contains(r"^[^\W_]$").to_list()
    differ = [c for c, rust in zip(chars, rust_word) if rust != bool(_WORD_CHAR.fullmatch(c))]
    if differ:
        holds = suspect.str.contains("[" + "".join(f"\\x{{{ord(c):x}}}" for c in differ) + "]").to_list()
        redo = [i for i, h in zip(non_ascii, holds) if h]
        fixed: list[list[str] | None] = [None] * len(texts)
        for i in redo:
            fixed[i] = _WORD.findall(normalised[i])
        redone = pl.Series(fixed, dtype=pl.List(pl.String))
        tokens = pl.select(pl.when(redone.is_not_null()).then(redone).otherwise(tokens)).to_series()
    return tokens


_WORD_CHAR = re.compile(r"[^\W_]")


def body_hashes(tokens: pl.Series) -> list[str]:
    """``body_hash`` of every text from its ``night_tokens`` row."""
    return [xxhash.xxh3_64_hexdigest(t.encode()) for t in tokens.list.join(" ").to_list()]


@dataclass(frozen=True)
class ShingleSets:
    """The sorted unique shingle hashes of many documents, concatenated (CSR layout): document i is
    ``flat[offsets[i]:offsets[i + 1]]``, equal to ``shingle_hashes`` of its text."""

    flat: np.ndarray  # uint32
    offsets: np.ndarray  # int64, n_docs + 1

    @staticmethod
    def of(tokens: pl.Series, k: int) -> "ShingleSets":
        """Shingles of every row of ``night_tokens``: each distinct token hashed once, k-grams and the
        per-document sort/dedup as numpy passes over the whole night."""
        n = len(tokens)
        lengths = tokens.list.len().fill_null(0).to_numpy().astype(np.int64)
        # arrow's dictionary encoding: token -> index into the distinct tokens (measured 2x cheaper than
        # a polars unique + replace_strict)
        encoded = pc.dictionary_encode(tokens.explode().drop_nulls().to_arrow())
        vocab = encoded.dictionary.to_pylist()
        vocab_h = np.fromiter((xxhash.xxh32_intdigest(t.encode()) for t in vocab), dtype=np.uint64, count=len(vocab))
        tok_h = vocab_h[encoded.indices.to_numpy(zero_copy_only=False)]
        starts = np.concatenate(([0], np.cumsum(lengths)))
        doc_of_tok = np.repeat(np.arange(n, dtype=np.uint64), lengths)
        keys = []
        if len(tok_h) >= k:
            acc = _kgram_hashes(tok_h, k)
            # a window is valid unless it starts in the last k - 1 tokens of its document
            valid = np.ones(len(tok_h), dtype=bool)
            for back in range(1, k):
                valid[starts[1:][lengths >= back] - back] = False
            valid = valid[: len(acc)]
            keys.append((doc_of_tok[: len(acc)][valid] << np.uint64(32)) | (acc[valid] >> np.uint64(32)))
        short = np.flatnonzero((lengths > 0) & (lengths < k))  # one k_eff-gram of the whole text
        for d in short:
            acc = _kgram_hashes(tok_h[starts[d] : starts[d + 1]], int(lengths[d]))
            keys.append((np.uint64(d) << np.uint64(32)) | (acc >> np.uint64(32)))
        key = np.sort(np.concatenate(keys)) if keys else np.empty(0, dtype=np.uint64)
        if len(key):
            key = key[np.concatenate(([True], key[1:] != key[:-1]))]
        counts = np.bincount((key >> np.uint64(32)).astype(np.int64), minlength=n)
        return ShingleSets(flat=(key & np.uint64(0xFFFFFFFF)).astype(np.uint32), offsets=np.concatenate(([0], np.cumsum(counts))).astype(np.int64))

    @staticmethod
    def from_arrays(arrays: list[np.ndarray]) -> "ShingleSets":
        """From per-document sorted unique arrays (``shingle_hashes`` outputs)."""
        sizes = np.fromiter((len(x) for x in arrays), dtype=np.int64, count=len(arrays))
        flat = np.concatenate(arrays).astype(np.uint32, copy=False) if len(arrays) else np.empty(0, dtype=np.uint32)
        return ShingleSets(flat=flat, offsets=np.concatenate(([0], np.cumsum(sizes))).astype(np.int64))

    @staticmethod
    def concat(parts: "list[ShingleSets]") -> "ShingleSets":
        """The documents of ``parts``, in order."""
        if not parts:
            return ShingleSets(flat=np.empty(0, dtype=np.uint32), offsets=np.zeros(1, dtype=np.int64))
        sizes = np.concatenate([p.sizes for p in parts])
        return ShingleSets(flat=np.concatenate([p.flat for p in parts]),
                           offsets=np.concatenate(([0], np.cumsum(sizes))).astype(np.int64))

    @staticmethod
    def of_texts(texts: list[str], k: int) -> "ShingleSets":
        return ShingleSets.of(night_tokens(texts), k)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> np.ndarray:
        return self.flat[self.offsets[i] : self.offsets[i + 1]]

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    def as_series(self) -> pl.Series:
        """One List(UInt32) row per document (arrow list over ``flat``, no per-document Python objects)."""
        return pl.from_arrow(pa.LargeListArray.from_arrays(pa.array(self.offsets), pa.array(self.flat)))

    def as_list(self) -> list[np.ndarray]:
        """One view per document (plain slicing: several times cheaper than np.split)."""
        flat, bounds = self.flat, self.offsets.tolist()
        return [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:])]

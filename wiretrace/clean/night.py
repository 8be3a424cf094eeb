"""A night's lines as one polars frame: split, trimmed, counted, keyed and pre-classified together.

The line rules (``lines.LineEngine``) decide per document in Python, but most of what they look at is
a per-line feature that needs no Python: the trimmed text, its word count, its frequency key, whether
it reads like a sentence, whether any pattern could match it, whether it could be a caption or the
sentence a caption repeats. Computed here for every line of the night at once (Rust string kernels),
they reach the engine as lists (``night_lines`` → ``lines.NightLines``), and the rules skip the lines
that cannot concern them: the pattern list runs on ~1 line in 5, the caption rule on a few.

Every feature equals what the per-line Python code computes (``split_lines``, ``count_words``,
``line_hash``, ``_word_prefix``); tests hold them equal. Where the two regex engines' Unicode classes
or case mappings differ (``\\b``, ``\\w``, new code points), Python computes the value for those lines.
"""

import sys

import numpy as np
import polars as pl
import xxhash

from .frequency import MAX_LINE_WORDS, normalise_line
from .lines import _CAPTION_MIN_SPACES, _CJK, _LIST_MARKS, _TERMINAL, NightLines, split_lines
from .patterns import MAX_PATTERN_WORDS, PatternSet

# Python's whitespace (str.isspace, what str.split/str.strip use), spelled out for the Rust engine,
# whose \s differs (U+001C..U+001F are whitespace to Python only)
_PY_SPACE = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
_SPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _PY_SPACE) + "]"
# runs that " ".join(s.split()) rewrites: two or more spaces, or any other whitespace character
_SPACE_TO_FOLD = _SPACE_CLASS + "{2,}|" + "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _PY_SPACE if c != " ") + "]"
_NORMALISE_STRIP = " .:;|•-–—*"  # frequency.normalise_line's strip set
# prefixes the partial-match test may decide: printable ASCII and caseless typographic punctuation
# (dashes, quotes, ellipsis), where the regex module and re read the patterns alike
_PREFIX_SAFE = r"^[\x20-\x7e\x{2010}-\x{201f}\x{2026}]*$"
# Lines made only of these characters lowercase alike in Python and Rust and have the same word
# characters in both (\b): ASCII, Latin-1 and Latin Extended-A letters, general punctuation; not the
# superscript digits and fractions (numeric to Python's \w only), nor the joiners and connector
# punctuation (word characters to Rust's \w only). Other lines are normalised by Python.
_ENGINES_AGREE = (r"^[\x{00}-\x{7f}\x{a0}-\x{b1}\x{b4}-\x{b8}\x{ba}\x{bb}\x{bf}-\x{17f}"
                  r"\x{2000}-\x{200b}\x{200e}-\x{203e}\x{2041}-\x{2053}\x{2055}-\x{206f}]*$")
_KEYWORD_JOIN = "\x00"  # joins a line's pattern keywords (no keyword holds NUL)
PATTERN_PREFIX_CHARS = 5  # a line's first characters decide whether the anchored patterns are tried

LINE_FRAME_SCHEMA = {
    "doc": pl.Int64, "no": pl.Int64, "start": pl.Int64, "raw": pl.String, "text": pl.String,
    "heading": pl.Boolean, "words": pl.Int64, "key": pl.String,
    "low": pl.String,     # text with whitespace runs as one space, lowercased (keyword search)
    "agree": pl.Boolean,  # only characters the Rust and Python engines read alike (_ENGINES_AGREE)
    "spaces": pl.Int64,   # text.count(" ")
}
_FROM_SPLIT_LINES = ["doc", "no", "start", "raw", "text", "heading", "words", "key"]


def split_night(texts: list[str], markdown: list[bool]) -> pl.DataFrame:
    """Non-blank lines of every text (``LINE_FRAME_SCHEMA``, sorted by doc then line number): what
    ``split_lines`` gives per text, for all texts at once. ``doc`` is the index into ``texts``.
    Markdown texts go through ``split_lines`` (its markup stripping is per line Python)."""
    plain_idx = [i for i, md in enumerate(markdown) if not md]
    parts = []
    if plain_idx:
        parts.append(_split_plain(plain_idx, [texts[i] for i in plain_idx]))
    md_idx = [i for i, md in enumerate(markdown) if md]
    if md_idx:
        cols: dict[str, list] = {c: [] for c in _FROM_SPLIT_LINES}
        for i in md_idx:
            for ln in split_lines(texts[i], True):
                for c, v in zip(_FROM_SPLIT_LINES, (i, ln.no, ln.start, ln.raw, ln.text, ln.heading, ln.words, ln.key)):
                    cols[c].append(v)
        md = pl.DataFrame(cols, schema={c: LINE_FRAME_SCHEMA[c] for c in _FROM_SPLIT_LINES})
        parts.append(md.with_columns(low=pl.col("text").str.replace_all(_SPACE_TO_FOLD, " ").str.to_lowercase(),
                                     agree=pl.col("text").str.contains(_ENGINES_AGREE),
                                     spaces=pl.col("text").str.count_matches(" ", literal=True).cast(pl.Int64)))
    if not parts:
        return pl.DataFrame(schema=LINE_FRAME_SCHEMA)
    return pl.concat(parts).sort("doc", "no") if len(parts) > 1 else parts[0]


def _split_plain(doc_idx: list[int], texts: list[str]) -> pl.DataFrame:
    raw_len = pl.col("raw").str.len_chars().cast(pl.Int64) + 1
    lines = (
        pl.DataFrame({"doc": doc_idx, "raw": texts}, schema={"doc": pl.Int64, "raw": pl.String})
        .with_columns(pl.col("raw").str.split("\n"))
        .with_columns(no=pl.int_ranges(1, pl.col("raw").list.len() + 1, dtype=pl.Int64))
        .explode("raw", "no")
        .with_columns(start=raw_len.cum_sum().over("doc") - raw_len)
        .with_columns(text=pl.col("raw").str.strip_chars(_PY_SPACE))
        .filter(pl.col("text") != "")
        .with_columns(pl.col("raw").str.strip_chars_end("\r"), heading=pl.lit(False))
    )
    # " ".join(text.split()): runs of whitespace as one space; then words = spaces + 1
    lines = lines.with_columns(single=pl.col("text").str.replace_all(_SPACE_TO_FOLD, " "))
    lines = lines.with_columns(n=pl.col("single").str.count_matches(" ", literal=True).cast(pl.Int64) + 1,
                               chars=pl.col("text").str.len_chars().cast(pl.Int64),
                               low=pl.col("single").str.to_lowercase())
    n, chars, low = pl.col("n"), pl.col("chars"), pl.col("low")
    # scripts written without spaces (count_words): ~2 characters per word; the regex only runs on
    # the few lines with under one space per 12 characters
    sparse = lines.select(pl.int_range(pl.len()).alias("row"), "text", "n", "chars").filter(n * 12 < chars)
    cjk = sparse.filter(pl.col("text").str.contains(_CJK.pattern))
    words = lines["n"].scatter(cjk["row"], cjk.select(pl.max_horizontal(n, chars // 2))["n"]) if cjk.height \
        else lines["n"]
    # spaces in the text itself (the caption rule's length test): the folded count where folding
    # changed nothing, else counted
    refolded = lines.with_row_index("row").filter(pl.col("single") != pl.col("text")).select("row", "text")
    spaces = (lines["n"] - 1).scatter(refolded["row"], refolded["text"].str.count_matches(" ", literal=True)
                                      .cast(pl.Int64)) if refolded.height else lines["n"] - 1
    lines = lines.with_columns(words=words, spaces=spaces, year=low.str.contains("19|20"),
                               agree=pl.col("text").str.contains(_ENGINES_AGREE))
    # normalise_line in Rust on lines whose characters both engines treat alike (\b, \d, lowercase)
    tracked = pl.col("words") <= MAX_LINE_WORDS
    agree = pl.col("agree")
    lines = lines.with_columns(normal=pl.when(tracked & agree).then(low.str.strip_chars(_NORMALISE_STRIP)),
                               _python=tracked & ~agree)
    # years folded only where a line holds "19"/"20" (a when/then would run the Unicode-\b regex on
    # every line)
    dated = lines.with_row_index("row").filter(tracked & agree & pl.col("year")).select(
        "row", low.str.replace_all(r"\b(?:19|20)\d\d\b", "0000").str.strip_chars(_NORMALISE_STRIP))
    normal = (lines["normal"].scatter(dated["row"], dated["low"]) if dated.height else lines["normal"]).to_list()
    need_python = np.flatnonzero(lines["_python"].to_numpy())
    for k, text in zip(need_python.tolist(), lines["text"].gather(need_python).to_list()):
        normal[k] = normalise_line(text)
    digest = xxhash.xxh3_64_hexdigest
    keys = [None if v is None else digest(v.encode()) for v in normal]
    return lines.with_columns(key=pl.Series(keys, dtype=pl.String)).select(list(LINE_FRAME_SCHEMA))


def with_rule_features(lines: pl.DataFrame, patterns: PatternSet) -> pl.DataFrame:
    """Adds the per-line inputs of the line rules: ``sentence`` (prose: a few words ending like a
    sentence, or long), ``terminal`` (ends like a sentence), ``keyword_hit`` (any ``PatternSet.keywords_found``,
    lines of at most ``MAX_PATTERN_WORDS`` words, else null) and ``candidate`` (False only where no
    pattern can match: too long, or no ``needs`` keyword and a first few characters no anchored
    pattern can start with)."""
    text, words = pl.col("text"), pl.col("words")
    terminal = text.str.contains(_TERMINAL.pattern)
    lines = lines.with_columns(found=patterns.keywords_found(lines["low"]))
    keyword = pl.col("found").list.len() > 0
    first = text.str.slice(0, 1)
    prefix = text.str.slice(0, PATTERN_PREFIX_CHARS)
    lines = lines.with_columns(
        terminal=terminal,
        sentence=~pl.col("heading") & ((words >= 25) | ((words >= 4) & terminal)),
        keyword_hit=pl.when(words <= MAX_PATTERN_WORDS).then(keyword),
        _prefix=prefix,
        # pattern_text rewrites list items; other scripts are left to the full alternation
        _unsure=first.is_in(list(_LIST_MARKS)) | first.str.contains("^[0-9]") | ~prefix.str.contains(_PREFIX_SAFE),
    )
    feasible = patterns.feasible_prefixes(lines["_prefix"].unique().to_list())
    may_anchor = pl.col("_unsure") | pl.col("_prefix").is_in(list(feasible))
    lines = lines.with_columns(
        candidate=(words <= MAX_PATTERN_WORDS + 1)  # a list marker is one of the words
        & (pl.col("keyword_hit").fill_null(True) | may_anchor),
        may_anchor=may_anchor,
    ).drop("_prefix", "_unsure")
    return lines.with_columns(caption_maybe=_caption_maybe(lines))


def _caption_maybe(lines: pl.DataFrame) -> pl.Series:
    """Lines the caption rule has to look at: lines of 10+ words that share their first 6 tokens
    (lowercased) with another such line of the document, found in two steps: lines sharing their
    first 6 word characters (``lines._word_prefix``), then among them their first 6 tokens. Lines
    outside ``_ENGINES_AGREE`` are always included (the rule tokenises them itself)."""
    text = pl.col("text")
    long = lines["spaces"] >= _CAPTION_MIN_SPACES
    cand = lines.select("doc", "text", "agree").with_row_index("row").filter(long)
    if not cand.height:
        return long
    word_chars = text.str.to_lowercase().str.replace_all(r"\W+", "")
    cand = cand.with_columns(prefix=text.str.slice(0, 24).str.to_lowercase().str.replace_all(r"\W+", ""))
    short = cand["prefix"].str.len_chars() < 6  # fewer than 6 word characters in the first 24: the whole line
    if short.any():
        whole = cand.filter(short).select(word_chars.str.slice(0, 6))["text"]
        cand = cand.with_columns(cand["prefix"].scatter(np.flatnonzero(short.to_numpy()), whole))
    cand = cand.with_columns(pl.col("prefix").str.slice(0, 6))
    cand = cand.filter(cand.select("doc", "prefix").is_duplicated() | ~cand["agree"])
    # then the first 6 tokens (``LineEngine._captions`` groups by them: tokens of the first 60
    # characters when they hold 7, else of the whole line)
    def first_six(text: pl.Expr) -> pl.Expr:
        return text.str.to_lowercase().str.extract_all(r"\w+").list.head(6).list.join(" ")

    start = pl.col("text").str.slice(0, 60)
    cand = cand.with_columns(six=first_six(start), few=start.str.count_matches(r"\w+") < 7)
    few = cand["few"].to_numpy()
    if few.any():
        cand = cand.with_columns(cand["six"].scatter(np.flatnonzero(few), cand.filter(few).select(first_six(pl.col("text")))["text"]))
    cand = cand.filter(cand.select("doc", "six").is_duplicated() | ~cand["agree"])
    maybe = np.zeros(lines.height, dtype=bool)
    maybe[cand["row"].to_numpy()] = True
    return pl.Series("caption_maybe", maybe)


def night_lines(lines: pl.DataFrame, n_docs: int, extractor_output: list[bool],
                line_counts: pl.DataFrame | None) -> NightLines:
    """The rule engine's view of the night: ``lines`` (``split_night`` + ``with_rule_features``) as
    lists. ``line_counts``: outlet, line_hash, n_stories from the frequency counter, joined by the
    caller's ``outlet`` column on ``lines``; lines of an extractor's output carry no raw offsets."""
    if line_counts is not None:
        lines = lines.join(line_counts.rename({"line_hash": "key"}), on=["outlet", "key"], how="left",
                           maintain_order="left")
    else:
        lines = lines.with_columns(n_stories=pl.lit(None, pl.Int64))
    doc = lines["doc"].to_numpy()
    bounds = np.searchsorted(doc, np.arange(n_docs + 1)).tolist()
    extractor = np.asarray(extractor_output, dtype=bool)
    start = lines["start"]
    if extractor.any():
        start = start.set(pl.Series(extractor[doc]), None)
    rows = np.arange(len(doc))
    sentence = lines["sentence"].to_numpy()
    first = np.full(n_docs, 0, dtype=np.int64)
    last = np.full(n_docs, -1, dtype=np.int64)
    first[:] = bounds[1:]  # no sentence: every row is before the first one
    s_rows = rows[sentence]
    np.minimum.at(first, doc[sentence], s_rows)
    np.maximum.at(last, doc[sentence], s_rows)
    cand = lines["candidate"].to_numpy()
    # a night's candidates hold a few dozen distinct keyword sets: each built once from its joined
    # form (a list column's to_list cost 5 µs a row)
    candidates = lines.filter(pl.col("candidate")).select(
        pl.col("found").list.join(_KEYWORD_JOIN), "may_anchor")
    joined = candidates["found"].to_list()
    sets = {j: frozenset(j.split(_KEYWORD_JOIN)) - {""} for j in set(joined)}
    found = dict(zip(rows[cand].tolist(), zip(map(sets.__getitem__, joined), candidates["may_anchor"].to_list())))
    return NightLines(
        doc_start=bounds, no=lines["no"].to_list(), start=start.to_list(), raw=lines["raw"],
        text=lines["text"].to_list(), heading=lines["heading"].to_list(), words=lines["words"].to_list(),
        sentence=sentence.tolist(),
        terminal=lines["terminal"].to_list(), candidate=lines["candidate"].to_list(),
        caption_maybe=lines["caption_maybe"].to_list(),
        caption_docs=(np.bincount(doc, weights=lines["caption_maybe"].to_numpy(), minlength=n_docs) > 0).tolist(),
        n_stories=lines["n_stories"].to_list(), first_sentence=first.tolist(), last_sentence=last.tolist(),
        candidate_rows=rows[cand].tolist(), found=found,
    )

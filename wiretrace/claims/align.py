"""Alignment of mentions across the articles of one story into claims, and typed conflicts.

Three kinds of unit are aligned separately:
- quotes: direct/partial quote texts, folded; one contains or nearly equals the other (partial ratio);
- sentences (quote text masked out): token-sort or token-set similarity of folded content tokens with
  numbers normalised, so "1,200"/"1200" and "three million"/"3 million" are the same tokens;
- quantities: the same value in one story (large values) or same value+unit with shared context.
Conflicts are read from aligned pairs: a word-level diff (on folded tokens, so spelling variants are
equal) whose replaced pieces are numbers or names; dates whose resolved windows do not overlap; quotes
that one copy shortened or extended.
"""

import bisect
import re
from collections import Counter, defaultdict
from itertools import chain
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import xxhash
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, LCSseq
from scipy import sparse

from wiretrace.claims.dates import date_interval
from wiretrace.claims.normalize import STOPWORDS, TOKEN_RE, fold_word, names_equivalent
from wiretrace.claims.quantities import words_to_number

_NUM_TOKEN = re.compile(r"^\d[\d,]*(?:\.\d+)?$")
_NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve dozen hundred thousand "
                          "million billion".split())
_PLACE_CUES = frozenset("in at near of from town village city region into outside".split())


def _normalise_token(tok: str) -> str:
    if _NUM_TOKEN.match(tok):
        return tok.replace(",", "")
    low = tok.lower()
    if low in _NUMBER_WORDS and low not in ("hundred", "thousand", "million", "billion", "dozen"):
        return f"{words_to_number(low):g}"
    return fold_word(tok)


class _WordCache(dict):
    """word -> ``compute(word)``; a plain dict lookup (``map(cache.__getitem__, words)``) is several times
    cheaper than an lru_cache call, and these run once per word of every sentence. Cleared when large."""

    def __init__(self, compute):
        super().__init__()
        self.compute = compute

    def __missing__(self, tok: str):
        if len(self) > 500_000:
            self.clear()
        value = self[tok] = self.compute(tok)
        return value


_norm_token = _WordCache(_normalise_token).__getitem__
# the normalised word, or "" for a stopword (the alignment key keeps content words only)
_content_token = _WordCache(lambda tok: "" if (norm := _norm_token(tok)) in STOPWORDS else norm).__getitem__
# whether a (normalised) word is a number: the slot numbers and the number conflicts
_is_number = _WordCache(lambda tok: tok[:1].isdigit() and _NUM_TOKEN.match(tok) is not None).__getitem__


def word_tokens(text: str, offset: int = 0) -> list[tuple[str, str, int, int]]:
    """(surface, normalised, start, end) of each word."""
    return [(m.group(), _norm_token(m.group()), offset + m.start(), offset + m.end()) for m in TOKEN_RE.finditer(text)]


def _key(tokens) -> str:
    return " ".join(t[1] for t in tokens if t[1] not in STOPWORDS)


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def joined(self, a: int, b: int) -> bool:
        return self.find(a) == self.find(b)

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        out = defaultdict(list)
        for i in range(len(self.parent)):
            out[self.find(i)].append(i)
        return list(out.values())


class _Incidence(NamedTuple):
    """Which distinct tokens each of some token sets holds."""
    tokens: list[str]  # column -> token
    sizes: np.ndarray  # distinct tokens per set
    matrix: sparse.csr_matrix  # set x token, 1 where the set holds the token


def _incidence(token_sets: list) -> _Incidence:
    vocab: dict = {}
    token_ids = [{vocab.setdefault(t, len(vocab)) for t in ts} for ts in token_sets]
    sizes = np.fromiter(map(len, token_ids), np.int64, len(token_ids))
    indices = np.fromiter(chain.from_iterable(token_ids), np.int64, int(sizes.sum()))
    matrix = sparse.csr_matrix((np.ones(len(indices), np.int32), indices, np.concatenate(([0], np.cumsum(sizes)))),
                               shape=(len(token_ids), len(vocab) or 1))
    return _Incidence(list(vocab), sizes, matrix)


def _overlap_pairs(token_sets: list, min_shared: float, *, jaccard: float = 0.0, common_df: int = 0,
                   incidence: _Incidence | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (i < j) of token sets that share at least ``min_shared`` of the smaller set (and
    reach ``jaccard``), from one sparse incidence product — the blocking step that keeps alignment near
    linear instead of comparing every sentence of a story with every other one. Tokens in more than
    ``common_df`` sets (when > 0) do not count: they would pair everything with everything.
    ``incidence``: the sets' ``_incidence``, when the caller has it already."""
    n = len(token_sets)
    if n < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if n <= 24 and not common_df:  # a sparse product costs ~1 ms of set-up: small inputs go pairwise
        sets = [t if isinstance(t, (set, frozenset)) else set(t) for t in token_sets]
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)
                 if (k := len(sets[i] & sets[j])) >= max(1, min_shared * min(len(sets[i]), len(sets[j])))
                 and k >= jaccard * (len(sets[i]) + len(sets[j]) - k)]
        return (np.array([p[0] for p in pairs], np.int64), np.array([p[1] for p in pairs], np.int64))
    full = incidence if incidence is not None else _incidence(token_sets)
    lens, indices = full.sizes, full.matrix.indices.astype(np.int64)
    n_vocab = full.matrix.shape[1]
    counted = full.matrix
    if common_df:
        df = np.bincount(indices, minlength=n_vocab)
        keep = df[indices] <= common_df
        if not keep.all():
            rows = np.repeat(np.arange(n), lens)[keep]
            indices = indices[keep]
            lens = np.bincount(rows, minlength=n)
            counted = sparse.csr_matrix((np.ones(len(indices), np.int32), indices,
                                         np.concatenate(([0], np.cumsum(lens)))), shape=(n, n_vocab))
    # the product's upper triangle read off its CSR arrays (what triu(...).tocoo() gives, in the same
    # order, without building two COO matrices: that overhead was ~5% of the claims stage)
    shared = counted @ counted.T
    rows = np.repeat(np.arange(n), np.diff(shared.indptr))
    upper = rows < shared.indices
    ii, jj, inter = rows[upper], shared.indices[upper], shared.data[upper]
    smaller = np.minimum(lens[ii], lens[jj])
    ok = (inter >= np.maximum(1, min_shared * smaller))
    if jaccard:
        ok &= inter >= jaccard * (lens[ii] + lens[jj] - inter)
    return ii[ok].astype(np.int64), jj[ok].astype(np.int64)


def _token_set_candidates(words: list[list[str]], ii: list[int], jj: list[int], *, min_shared: int,
                          cutoff: float, incidence: _Incidence | None = None) -> list[tuple[int, int]]:
    """The pairs (i, j) whose word sets share at least ``min_shared`` words and whose
    ``fuzz.token_set_ratio`` can reach ``cutoff``, decided for all pairs at once from counts.

    token_set_ratio (rapidfuzz) is the best of three ratios of the sorted joined sets: the shared words
    ``sect`` against ``sect + only_a`` and against ``sect + only_b`` (exact from the strings' lengths),
    and ``sect + only_a`` against ``sect + only_b``, whose LCS is at most ``sect`` plus the characters
    ``only_a`` and ``only_b`` have in common (counted per character, spaces included). A pair whose bound
    stays below the cutoff cannot reach it, so its C++ ratio (~7 us) is not needed: the result is exact.
    ``incidence``: the word lists' ``_incidence``, when the caller has it already.
    """
    if not ii:
        return []
    tokens, lens, keys = incidence if incidence is not None else _incidence(words)
    # characters of each word (one column per distinct character)
    codes = np.frombuffer("".join(tokens).encode("utf-32-le"), np.uint32)
    chars, column = np.unique(codes, return_inverse=True)
    token_of_char = np.repeat(np.arange(len(tokens)), np.fromiter(map(len, tokens), np.int64, len(tokens)))
    token_chars = np.bincount(token_of_char * len(chars) + column, minlength=len(tokens) * len(chars)
                              ).reshape(len(tokens), len(chars))
    key_chars = keys @ token_chars
    out = []
    for start in range(0, len(ii), _PAIRS_AT_ONCE):
        i = np.asarray(ii[start:start + _PAIRS_AT_ONCE], np.int64)
        j = np.asarray(jj[start:start + _PAIRS_AT_ONCE], np.int64)
        both = keys[i].multiply(keys[j]).tocsr()  # pair x word: the shared words
        n_sect = np.asarray(both.sum(axis=1)).ravel()
        enough = n_sect >= min_shared
        i, j, n_sect, sect_chars = i[enough], j[enough], n_sect[enough], both[enough] @ token_chars
        only_a, only_b = key_chars[i] - sect_chars, key_chars[j] - sect_chars
        n_a, n_b = lens[i] - n_sect, lens[j] - n_sect  # words only in a, only in b
        sect_len = sect_chars.sum(axis=1) + n_sect - 1  # joined with single spaces (n_sect >= 1 here)
        ab_len = only_a.sum(axis=1) + np.maximum(n_a - 1, 0)
        ba_len = only_b.sum(axis=1) + np.maximum(n_b - 1, 0)
        sect_ab, sect_ba = sect_len + 1 + ab_len, sect_len + 1 + ba_len
        common = np.minimum(only_a, only_b).sum(axis=1) + np.maximum(np.minimum(n_a, n_b) - 1, 0)
        bound = np.maximum.reduce([
            100.0 * (1 - (1 + ab_len) / (sect_len + sect_ab)),
            100.0 * (1 - (1 + ba_len) / (sect_len + sect_ba)),
            100.0 * (1 - np.maximum(ab_len + ba_len - 2 * common, 0) / (sect_ab + sect_ba))])
        # a subset scores 100; the margin keeps float rounding on the safe side
        keep = (n_a == 0) | (n_b == 0) | (bound >= cutoff - 0.01)
        out += zip(i[keep].tolist(), j[keep].tolist())
    return out


_PAIRS_AT_ONCE = 20_000  # pairs bounded at once: each pair x character array is ~10 MB (60 distinct characters)


def _partial_ratio_may_reach(a: str, b: str, cutoff: float) -> bool:
    """False only when ``fuzz.partial_ratio(a, b)`` is below ``cutoff``, from three LCS lengths (~3 us
    each in rapidfuzz's C++, against ~100 us for the partial ratio of two quotes of a few hundred
    characters; two thirds of the quote pairs the blocking proposes are settled here).

    partial_ratio compares the shorter string s (length m) with windows of the longer l: windows of
    length m, whose LCS with s is at most LCS(s, l), and prefixes and suffixes of l shorter than m, whose
    LCS with s is at most that of l's first or last m characters. A window of length k with LCS c scores
    2c / (m + k), so a short one scores at most 2L / (m + L) for its bound L. Strings of equal length are
    also compared the other way round, where the windows are s's: then only LCS(s, l) bounds them."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    m = len(short)
    if not m:
        return True
    whole = LCSseq.similarity(short, long)
    if len(a) == len(b):
        best = 200 * whole / (m + whole) if whole else 0.0
    else:
        head, tail = LCSseq.similarity(short, long[:m]), LCSseq.similarity(short, long[-m:])
        best = max(100 * whole / m, 200 * head / (m + head) if head else 0.0, 200 * tail / (m + tail) if tail else 0.0)
    return best >= cutoff - 0.01  # the margin keeps float rounding on the safe side


def _claim_id(story_id, claim_type, article_id, start) -> str:
    return "cl_" + xxhash.xxh64(f"{story_id}|{claim_type}|{article_id}|{start}".encode()).hexdigest()[:12]


def _masked_text(body: str, lo: int, hi: int, quoted) -> str:
    """body[lo:hi] with direct-quote spans blanked (same length, so nothing shifts)."""
    text = body[lo:hi]
    for qs, qe in quoted:
        if qs < hi and qe > lo:
            s, e = max(qs, lo) - lo, min(qe, hi) - lo
            text = text[:s] + " " * (e - s) + text[e:]
    return text


# distinct variants of one claim compared pairwise for conflicts; beyond this, the most common ones
MAX_VARIANTS = 30


def _variants(group, key_of, article_of, order_of):
    """Distinct keys of a group, most common first, each with its members in article order."""
    by_key: dict = {}
    for i in group:
        by_key.setdefault(key_of(i), []).append(i)
    keys = sorted(by_key, key=lambda k: (-len(by_key[k]), min(order_of(article_of(i)) for i in by_key[k])))
    return [(k, sorted(by_key[k], key=lambda i: order_of(article_of(i)))) for k in keys[:MAX_VARIANTS]]


def _reps(ma, mb, article_of):
    """One member of each variant, from two different articles (earliest first), or None."""
    for a in ma:
        for b in mb:
            if article_of(a) != article_of(b):
                return a, b
    return None


CLAIM_COLUMNS = ("claim_id", "story_id", "claim_type", "canonical_text", "claimant", "value", "article_count",
                 "outlet_count", "copy_group_count", "mention_count", "first_article")
MENTION_COLUMNS = ("claim_id", "article_id", "copy_group_id", "char_start", "char_end", "text", "speaker_name",
                   "slot_numbers", "slot_names", "slot_dates")
CONFLICT_COLUMNS = ("conflict_id", "story_id", "claim_id", "conflict_type", "value_a", "article_a", "a_start",
                    "a_end", "value_b", "article_b", "b_start", "b_end")


def align_story(story_id, arts: dict, sentences, quotes, quantities, dates):
    """arts: article_id -> dict(body, outlet, copy_group_id, order). Returns (claims, mentions, conflicts)
    as lists of row tuples in CLAIM_COLUMNS, MENTION_COLUMNS and CONFLICT_COLUMNS order."""
    claims, mentions, conflicts = [], [], []
    bodies = {a: v["body"] for a, v in arts.items()}
    order = {a: v["order"] for a, v in arts.items()}

    def add_claim(claim_type, members, canonical, claimant, value):
        # rows are tuples in the column order of CLAIM_COLUMNS / MENTION_COLUMNS (no per-row dicts)
        members = sorted(members, key=lambda m: (order[m["article_id"]], m["char_start"]))
        first = members[0]
        cid = _claim_id(story_id, claim_type, first["article_id"], first["char_start"])
        art_ids = {m["article_id"] for m in members}
        claims.append((cid, story_id, claim_type, canonical, claimant, value, len(art_ids),
                       len({arts[a]["outlet"] for a in art_ids}),
                       len({arts[a]["copy_group_id"] or a for a in art_ids}), len(members), first["article_id"]))
        for m in members:
            a, cs, ce = m["article_id"], m["char_start"], m["char_end"]
            mentions.append((cid, a, arts[a]["copy_group_id"], cs, ce, bodies[a][cs:ce], m.get("speaker_name"),
                             m.get("slot_numbers", []), m.get("slot_names", []), m.get("slot_dates", [])))
        return cid

    def add_single(claim_type, a, cs, ce, canonical, claimant, value, speaker, numbers, names, slot_dates):
        """add_claim for a claim with one mention (most of them), without building a member dict."""
        cid = _claim_id(story_id, claim_type, a, cs)
        art = arts[a]
        claims.append((cid, story_id, claim_type, canonical, claimant, value, 1, 1, 1, 1, a))
        mentions.append((cid, a, art["copy_group_id"], cs, ce, bodies[a][cs:ce], speaker, numbers, names, slot_dates))
        return cid

    conflict_ids: set[str] = set()

    def add_conflict(cid, ctype, a, b):
        """a, b: (value, article_id, start, end); one row per distinct pair of values of a claim."""
        conflict_id = "cf_" + xxhash.xxh64(f"{cid}|{ctype}|{a[0]}|{b[0]}".encode()).hexdigest()[:12]
        if conflict_id not in conflict_ids:
            conflict_ids.add(conflict_id)
            conflicts.append((conflict_id, story_id, cid, ctype, *a, *b))


    # ---- quotes: identical normalised texts are one unit; near-identical ones (one contains the other)
    # are found among blocked candidates only
    qrows = [q for q in quotes if q["kind"] in ("direct", "partial") and q["char_end"] - q["char_start"] >= 8]
    qnorms = [list(map(_norm_token, TOKEN_RE.findall(q["quote_text"]))) for q in qrows]
    keep = [i for i, n in enumerate(qnorms) if len(n) >= 3]
    qrows = [qrows[i] for i in keep]
    qkeys = [" ".join(qnorms[i]) for i in keep]
    qart = [q["article_id"] for q in qrows]
    uf = _UnionFind(len(qrows))
    first_of_key: dict[str, int] = {}
    for i, k in enumerate(qkeys):
        uf.union(first_of_key.setdefault(k, i), i)
    distinct = list(first_of_key)
    if len(distinct) > 1:
        ii, jj = _overlap_pairs([k.split() for k in distinct], 0.6)
        for i, j in zip(ii.tolist(), jj.tolist()):
            a, b = distinct[i], distinct[j]
            # a pair already joined through others needs no score: the groups are the connected components
            if min(len(a), len(b)) >= 20 and not uf.joined(first_of_key[a], first_of_key[b]) \
                    and _partial_ratio_may_reach(a, b, 90) and fuzz.partial_ratio(a, b, score_cutoff=90):
                uf.union(first_of_key[a], first_of_key[b])
    for group in uf.groups():
        if len(group) == 1:
            q = qrows[group[0]]
            sp = q["speaker_name"]
            add_single("quote", q["article_id"], q["char_start"], q["char_end"], q["quote_text"], sp, None, sp,
                       [], [sp] if sp else [], [])
            continue
        members = [dict(qrows[i], slot_names=[qrows[i]["speaker_name"]] if qrows[i]["speaker_name"] else [])
                   for i in group]
        speakers = Counter(m["speaker_name"] for m in members if m["speaker_name"])
        texts = Counter(qkeys[i] for i in group)
        canon_i = max(group, key=lambda i: (texts[qkeys[i]], len(qkeys[i])))
        cid = add_claim("quote", members, qrows[canon_i]["quote_text"],
                        speakers.most_common(1)[0][0] if speakers else None, None)
        if len(texts) < 2:
            continue
        variants = _variants(group, qkeys.__getitem__, qart.__getitem__, order.__getitem__)
        for x in range(len(variants)):
            for y in range(x + 1, len(variants)):
                pair = _reps(variants[x][1], variants[y][1], qart.__getitem__)
                if pair is None:
                    continue
                qa, qb = qrows[pair[0]], qrows[pair[1]]
                ka, kb = qkeys[pair[0]], qkeys[pair[1]]
                if order[qa["article_id"]] > order[qb["article_id"]]:
                    qa, qb, ka, kb = qb, qa, kb, ka
                ctype = ("quote_shortened" if kb in ka else "quote_extended" if ka in kb else "quote_altered")
                add_conflict(cid, ctype, (qa["quote_text"], qa["article_id"], qa["char_start"], qa["char_end"]),
                             (qb["quote_text"], qb["article_id"], qb["char_start"], qb["char_end"]))
                sa, sb = qa["speaker_name"], qb["speaker_name"]
                if sa and sb and not names_equivalent(sa, sb) and sa.split()[-1] != sb.split()[-1]:
                    ma, mb = _speaker_mention(bodies[qa["article_id"]], qa), _speaker_mention(bodies[qb["article_id"]], qb)
                    if ma and mb:
                        add_conflict(cid, "speaker", (ma[0], qa["article_id"], ma[1], ma[2]),
                                     (mb[0], qb["article_id"], mb[1], mb[2]))

    # ---- sentences (direct quote text masked), event/attribution claims
    direct_by_art = defaultdict(list)
    attr_by_sent, dates_by_sent = defaultdict(list), defaultdict(list)
    for q in quotes:
        if q["kind"] == "direct":
            direct_by_art[q["article_id"]].append((q["char_start"], q["char_end"]))
        elif q["kind"] in ("indirect", "according_to"):
            attr_by_sent[(q["article_id"], q["sentence_no"])].append(q)
    sent_starts = defaultdict(list)
    for s in sentences:
        sent_starts[s["article_id"]].append((s["char_start"], s["sentence_no"]))
    for d in dates:
        starts = sent_starts[d["article_id"]]
        k = bisect.bisect_right(starts, (d["char_start"], 1 << 30)) - 1
        if k >= 0:
            dates_by_sent[(d["article_id"], starts[k][1])].append(d)
    srows, swords, skeys = [], [], []
    words_of_text: dict[str, tuple] = {}  # the copies of a story repeat most sentences verbatim
    for s in sentences:
        a, lo, hi = s["article_id"], s["char_start"], s["char_end"]
        quoted = direct_by_art.get(a)
        text = _masked_text(bodies[a], lo, hi, quoted) if quoted else s["text"]
        words = words_of_text.get(text)
        if words is None:
            surfaces = TOKEN_RE.findall(text)
            content = [n for n in map(_content_token, surfaces) if n]
            words = words_of_text[text] = ((surfaces, content), " ".join(content))
        if len(words[0][1]) < 5:
            continue
        srows.append(s)
        swords.append(words[0])
        skeys.append(words[1])
    sarts = [s["article_id"] for s in srows]
    uf = _UnionFind(len(srows))
    first_of_key = {}
    for i, k in enumerate(skeys):
        uf.union(first_of_key.setdefault(k, i), i)
    distinct = list(first_of_key)
    if len(distinct) > 1:
        # token-sort ratio = plain ratio of the sorted token strings; pairs in the grey zone get the
        # token-set test for one sentence contained in a longer one
        words = [k.split() for k in distinct]
        sorted_keys = [" ".join(sorted(w)) for w in words]
        first = [first_of_key[k] for k in distinct]
        incidence = _incidence(words)  # for the blocking and the grey zone's bound alike
        ii, jj = _overlap_pairs(words, 0.3, common_df=max(50, len(distinct) // 10), incidence=incidence)
        grey_i, grey_j = [], []
        for i, j in zip(ii.tolist(), jj.tolist()):
            if uf.joined(first[i], first[j]):
                continue  # already one group through others (as above)
            score = fuzz.ratio(sorted_keys[i], sorted_keys[j], score_cutoff=45)
            if score >= 72:
                uf.union(first[i], first[j])
            elif score:
                grey_i.append(i)
                grey_j.append(j)
        # the grey zone's pairs join when they share 7 words and reach the token-set ratio; those tests
        # run after the strong pairs (the groups are the connected components either way), and the ratio
        # only where a bound from character counts says it can be reached (1 grey pair in 20, history replay)
        for i, j in _token_set_candidates(words, grey_i, grey_j, min_shared=7, cutoff=88, incidence=incidence):
            if not uf.joined(first[i], first[j]) and fuzz.token_set_ratio(distinct[i], distinct[j], score_cutoff=88):
                uf.union(first[i], first[j])
    slots_of: dict[str, tuple[list, list]] = {}
    for group in uf.groups():
        if len(group) == 1:  # most sentences of a story are in one article only
            i = group[0]
            s = srows[i]
            a, cs, ce = s["article_id"], s["char_start"], s["char_end"]
            key = (a, s["sentence_no"])
            attr, sdates = attr_by_sent.get(key, ()), dates_by_sent.get(key, ())
            surfaces, content = swords[i]
            speaker = attr[0]["speaker_name"] if attr else None
            add_single("attribution" if speaker else "event", a, cs, ce, s["text"], speaker, None, speaker,
                       [float(n) for n in content if _is_number(n)],
                       [w for w in surfaces[1:] if w[:1].isupper()],
                       [d["resolved_date"] for d in sdates if d["resolved_date"]])
            continue
        members = []
        for i in group:
            s = srows[i]
            a = s["article_id"]
            key = (a, s["sentence_no"])
            attr, sdates = attr_by_sent.get(key, ()), dates_by_sent.get(key, ())
            slots = slots_of.get(s["text"])
            if slots is None:  # verbatim copies share their slots
                surfaces, content = swords[i]
                slots = slots_of[s["text"]] = (
                    [float(n) for n in content if _is_number(n)],
                    [w for w in surfaces[1:] if w[:1].isupper()])
            members.append(dict(article_id=a, char_start=s["char_start"], char_end=s["char_end"],
                                speaker_name=attr[0]["speaker_name"] if attr else None,
                                slot_numbers=slots[0], slot_names=slots[1],
                                slot_dates=[d["resolved_date"] for d in sdates if d["resolved_date"]],
                                _dates=sdates))
        claimants = Counter(m["speaker_name"] for m in members if m["speaker_name"])
        keys = {skeys[i] for i in group}
        if len(keys) == 1:  # verbatim copies (the common case): the earliest article's wording
            canon_i = min(group, key=lambda i: order[sarts[i]])
        else:
            canon = Counter(skeys[i] for i in group)
            canon_i = max(group, key=lambda i: (canon[skeys[i]], -order[sarts[i]]))
        cid = add_claim("attribution" if claimants else "event", members, srows[canon_i]["text"],
                        claimants.most_common(1)[0][0] if claimants else None, None)
        if len(keys) > 1 or len({(d[0]["resolved_date"], d[0]["granularity"]) for d in
                                 (m["_dates"] for m in members) if len(d) == 1 and d[0]["resolved_date"]}) > 1:
            _slot_conflicts(cid, group, srows, sarts, skeys, swords, direct_by_art, bodies, members, arts,
                            add_conflict)

    # ---- quantities
    by_value = defaultdict(list)
    for q in quantities:
        by_value[q["value"]].append(q)
    for value, rows in by_value.items():
        uf = _UnionFind(len(rows))
        if value >= 100:
            for i in range(1, len(rows)):
                uf.union(0, i)
        else:  # small numbers are common: same unit and a shared context are both needed
            by_unit = defaultdict(list)
            for i, r in enumerate(rows):
                by_unit[r["normalised"]].append(i)
            for idx in by_unit.values():
                if len(idx) < 2:
                    continue
                # identical paragraphs (verbatim copies) join at once; distinct ones by word overlap
                first_of_ctx: dict[frozenset, int] = {}
                for i in idx:
                    uf.union(first_of_ctx.setdefault(_context(bodies, rows[i]), i), i)
                ctx = list(first_of_ctx)
                ii, jj = _overlap_pairs(ctx, 0.0, jaccard=0.2)
                for x, y in zip(ii.tolist(), jj.tolist()):
                    uf.union(first_of_ctx[ctx[x]], first_of_ctx[ctx[y]])
        for group in uf.groups():
            if len(group) == 1:
                r = rows[group[0]]
                add_single("quantity", r["article_id"], r["char_start"], r["char_end"], r["normalised"], None,
                           float(value), None, [value], [], [])
                continue
            members = [dict(rows[i], slot_numbers=[value]) for i in group]
            forms = Counter(rows[i]["normalised"] for i in group)
            add_claim("quantity", members, forms.most_common(1)[0][0], None, float(value))
    return claims, mentions, conflicts


def _context(bodies, q) -> frozenset:
    """Folded content words of the paragraph around a quantity."""
    body = bodies[q["article_id"]]
    lo = body.rfind("\n", 0, q["char_start"]) + 1
    hi = body.find("\n", q["char_end"])
    return _paragraph_words(body[lo: hi if hi >= 0 else len(body)])


@lru_cache(maxsize=4096)
def _paragraph_words(text: str) -> frozenset:
    return frozenset(n for n in map(_norm_token, TOKEN_RE.findall(text)) if n not in STOPWORDS)


_CLOSING_RUN = (("equal", 0, 0, 0, 0),)


def _small_replacements(a: list[str], b: list[str], most: int = 3) -> list[tuple[int, int, int, int]]:
    """(a0, a1, b0, b1) of each run of edits between two equal blocks of the LCS alignment (rapidfuzz,
    C++) that replaces 1..most tokens of a with 1..most tokens of b: what a changed number or name
    looks like. Pure insertions and deletions, and longer rewrites, are not slot changes."""
    out = []
    # runs once per pair of a claim's variants: plain ints and tuples (as_list), no closures or Opcode objects;
    # the "equal" appended at the end closes the last run
    a0 = a1 = b0 = b1 = -1  # the current run of deletes and inserts (a0 < 0: none yet)
    for tag, x0, x1, y0, y1 in chain(Indel.opcodes(a, b).as_list(), _CLOSING_RUN):
        if tag != "equal":
            if a0 < 0:
                a0, b0 = x0, y0
            a1, b1 = x1, y1
        elif a0 >= 0:
            if 0 < a1 - a0 <= most and 0 < b1 - b0 <= most:
                out.append((a0, a1, b0, b1))
            a0 = -1
    return out


def _slot_conflicts(cid, group, srows, art_of, skeys, swords, direct_by_art, bodies, members, arts, add_conflict):
    tokens, normalised = {}, {}

    def normalised_of(i):
        """Sentence i's folded words, and how many of its words before each position are numbers (each
        variant is compared with every other one: this runs once per sentence, not once per pair)."""
        if i not in normalised:
            words = list(map(_norm_token, swords[i][0]))
            numbers_before = [0]
            for w in words:
                numbers_before.append(numbers_before[-1] + _is_number(w))
            normalised[i] = words, numbers_before
        return normalised[i]

    def tokens_of(i):
        """(start, end) body offsets of the sentence's words outside direct quotes: the same tokenisation
        as ``swords`` (the masked sentence text); only for emitted conflicts."""
        if i not in tokens:
            a, s = art_of[i], srows[i]
            lo, hi = s["char_start"], s["char_end"]
            quoted = direct_by_art.get(a)
            text = _masked_text(bodies[a], lo, hi, quoted) if quoted else s["text"]
            tokens[i] = [(lo + m.start(), lo + m.end()) for m in TOKEN_RE.finditer(text)]
        return tokens[i]

    # variants by content words: copies that differ only in stopwords cannot disagree on a slot
    differs = len({skeys[i] for i in group}) > 1
    variants = _variants(group, skeys.__getitem__, art_of.__getitem__, lambda a: arts[a]["order"]) if differs else []
    for x in range(len(variants)):
        for y in range(x + 1, len(variants)):
            pair = _reps(variants[x][1], variants[y][1], art_of.__getitem__)
            if pair is None:
                continue
            ia, ib = pair
            sa, sb = swords[ia][0], swords[ib][0]
            (na_, count_a), (nb_, count_b) = normalised_of(ia), normalised_of(ib)
            for a0, a1, b0, b1 in _small_replacements(na_, nb_):
                if count_a[a1] > count_a[a0] and count_b[b1] > count_b[b0]:  # numbers on both sides
                    nums_a = {w for w in na_[a0:a1] if _is_number(w)}
                    nums_b = {w for w in nb_[b0:b1] if _is_number(w)}
                    if nums_a != nums_b:
                        _emit(cid, "number", tokens_of(ia), a0, a1, tokens_of(ib), b0, b1, srows[ia], srows[ib],
                              arts, add_conflict)
                    continue
                if a1 - a0 == 1 and b1 - b0 == 1 and a0 > 0 and b0 > 0 and sa[a0][:1].isupper() \
                        and sb[b0][:1].isupper() and not names_equivalent(sa[a0], sb[b0]):
                    ctype = "place" if na_[a0 - 1] in _PLACE_CUES else "name"
                    _emit(cid, ctype, tokens_of(ia), a0, a1, tokens_of(ib), b0, b1, srows[ia], srows[ib], arts,
                          add_conflict)
    # dates: one date each, windows that do not overlap (distinct date readings compared once)
    readings = {}
    for member in members:  # members are in group order
        ds = member["_dates"]
        if len(ds) == 1 and ds[0]["resolved_date"]:
            readings.setdefault((ds[0]["resolved_date"], ds[0]["granularity"]), ds[0])
    if len(readings) < 2:
        return
    items = list(readings.values())[:MAX_VARIANTS]
    for x in range(len(items)):
        for y in range(x + 1, len(items)):
            da, db = items[x], items[y]
            if da["article_id"] == db["article_id"]:
                continue
            wa = date_interval(da["resolved_date"], da["granularity"])
            wb = date_interval(db["resolved_date"], db["granularity"])
            if wa and wb and (wa[1] < wb[0] or wb[1] < wa[0]):
                add_conflict(cid, "date", (da["surface"], da["article_id"], da["char_start"], da["char_end"]),
                             (db["surface"], db["article_id"], db["char_start"], db["char_end"]))


def _speaker_mention(body: str, quote: dict) -> tuple[str, int, int] | None:
    """Where a quote's speaker is written, as (text, start, end) with body[start:end] == text.

    The resolved name where the article writes it: the speaker span itself, else the name's last
    occurrence before the quote ("he" resolved to a name written earlier), else its first anywhere.
    None when the article never writes the name (its canonical spelling came from another article):
    such a conflict could not be checked against the body, so it is not reported.
    """
    name, s, e = quote["speaker_name"], quote["speaker_start"], quote["speaker_end"]
    if s is not None and e is not None and body[s:e] == name:
        return name, s, e
    at = body.rfind(name, 0, quote["char_start"])
    if at < 0:
        at = body.find(name)
    return (name, at, at + len(name)) if at >= 0 else None


def _emit(cid, ctype, ta, a0, a1, tb, b0, b1, sa, sb, arts, add_conflict):
    a_s, a_e, b_s, b_e = ta[a0][0], ta[a1 - 1][1], tb[b0][0], tb[b1 - 1][1]
    a = (arts[sa["article_id"]]["body"][a_s:a_e], sa["article_id"], a_s, a_e)
    b = (arts[sb["article_id"]]["body"][b_s:b_e], sb["article_id"], b_s, b_e)
    if arts[a[1]]["order"] > arts[b[1]]["order"]:
        a, b = b, a
    add_conflict(cid, ctype, a, b)  # reported once per pair of values (add_conflict dedupes)

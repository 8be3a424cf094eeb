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
import difflib
import re
from collections import Counter, defaultdict
from functools import lru_cache

import numpy as np
import xxhash
from rapidfuzz import fuzz, process

from wiretrace.claims.dates import date_interval
from wiretrace.claims.normalize import STOPWORDS, TOKEN_RE, fold_word, names_equivalent
from wiretrace.claims.quantities import words_to_number

_NUM_TOKEN = re.compile(r"^\d[\d,]*(?:\.\d+)?$")
_NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve dozen hundred thousand "
                          "million billion".split())
_PLACE_CUES = frozenset("in at near of from town village city region into outside".split())


@lru_cache(maxsize=200_000)
def _norm_token(tok: str) -> str:
    if _NUM_TOKEN.match(tok):
        return tok.replace(",", "")
    low = tok.lower()
    if low in _NUMBER_WORDS and low not in ("hundred", "thousand", "million", "billion", "dozen"):
        return f"{words_to_number(low):g}"
    return fold_word(tok)


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

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        out = defaultdict(list)
        for i in range(len(self.parent)):
            out[self.find(i)].append(i)
        return list(out.values())


def _pairs_above(keys: list[str], articles: list[str], scorer, cutoff: float):
    if len(keys) < 2:
        return []
    scores = process.cdist(keys, keys, scorer=scorer, score_cutoff=cutoff, dtype=np.uint8)
    ii, jj = np.nonzero(np.triu(scores, k=1))
    return [(int(i), int(j)) for i, j in zip(ii, jj) if articles[i] != articles[j]]


def _scored_pairs(keys: list[str], articles: list[str], cutoff: float):
    if len(keys) < 2:
        return []
    scores = process.cdist(keys, keys, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.uint8)
    ii, jj = np.nonzero(np.triu(scores, k=1))
    return [(int(i), int(j), int(scores[i, j])) for i, j in zip(ii, jj) if articles[i] != articles[j]]


def _claim_id(story_id, claim_type, article_id, start) -> str:
    return "cl_" + xxhash.xxh64(f"{story_id}|{claim_type}|{article_id}|{start}".encode()).hexdigest()[:12]


def align_story(story_id, arts: dict, sentences, quotes, quantities, dates):
    """arts: article_id -> dict(outlet, copy_group_id, published_date, order). Returns (claims, mentions, conflicts)."""
    claims, mentions, conflicts = [], [], []
    bodies = {a: v["body"] for a, v in arts.items()}

    def add_claim(claim_type, members, canonical, claimant, value):
        members = sorted(members, key=lambda m: (arts[m["article_id"]]["order"], m["char_start"]))
        first = members[0]
        cid = _claim_id(story_id, claim_type, first["article_id"], first["char_start"])
        art_ids = {m["article_id"] for m in members}
        claims.append(dict(
            claim_id=cid, story_id=story_id, claim_type=claim_type, canonical_text=canonical, claimant=claimant,
            value=value, article_count=len(art_ids), outlet_count=len({arts[a]["outlet"] for a in art_ids}),
            copy_group_count=len({arts[a]["copy_group_id"] or a for a in art_ids}),
            mention_count=len(members), first_article=first["article_id"]))
        for m in members:
            mentions.append(dict(claim_id=cid, article_id=m["article_id"],
                                 copy_group_id=arts[m["article_id"]]["copy_group_id"],
                                 char_start=m["char_start"], char_end=m["char_end"],
                                 text=bodies[m["article_id"]][m["char_start"]:m["char_end"]],
                                 speaker_name=m.get("speaker_name"), slot_numbers=m.get("slot_numbers", []),
                                 slot_names=m.get("slot_names", []), slot_dates=m.get("slot_dates", [])))
        return cid

    def add_conflict(cid, ctype, a, b):
        """a, b: (value, article_id, start, end)."""
        conflicts.append(dict(conflict_id="cf_" + xxhash.xxh64(f"{cid}|{ctype}|{a[0]}|{b[0]}".encode()).hexdigest()[:12],
                              story_id=story_id, claim_id=cid, conflict_type=ctype, value_a=a[0],
                              article_a=a[1], a_start=a[2], a_end=a[3], value_b=b[0], article_b=b[1],
                              b_start=b[2], b_end=b[3]))

    # ---- quotes
    qrows = [q for q in quotes if q["kind"] in ("direct", "partial") and len(q["quote_text"].split()) >= 3]
    qkeys = [" ".join(t[1] for t in word_tokens(q["quote_text"])) for q in qrows]
    uf = _UnionFind(len(qrows))
    for i, j in _pairs_above(qkeys, [q["article_id"] for q in qrows], fuzz.partial_ratio, 90):
        short = min(len(qkeys[i]), len(qkeys[j]))
        if short >= 20:
            uf.union(i, j)
    for group in uf.groups():
        members = [dict(qrows[i], slot_names=[qrows[i]["speaker_name"]] if qrows[i]["speaker_name"] else [])
                   for i in group]
        speakers = Counter(m["speaker_name"] for m in members if m["speaker_name"])
        texts = Counter(qkeys[i] for i in group)
        canon_i = max(group, key=lambda i: (texts[qkeys[i]], len(qkeys[i])))
        cid = add_claim("quote", members, qrows[canon_i]["quote_text"],
                        speakers.most_common(1)[0][0] if speakers else None, None)
        seen = set()
        for x in range(len(group)):
            for y in range(x + 1, len(group)):
                qa, qb = qrows[group[x]], qrows[group[y]]
                ka, kb = qkeys[group[x]], qkeys[group[y]]
                if qa["article_id"] == qb["article_id"] or ka == kb or (ka, kb) in seen or (kb, ka) in seen:
                    continue
                seen.add((ka, kb))
                if arts[qa["article_id"]]["order"] > arts[qb["article_id"]]["order"]:
                    qa, qb, ka, kb = qb, qa, kb, ka
                ctype = ("quote_shortened" if kb in ka else "quote_extended" if ka in kb else "quote_altered")
                add_conflict(cid, ctype, (qa["quote_text"], qa["article_id"], qa["char_start"], qa["char_end"]),
                             (qb["quote_text"], qb["article_id"], qb["char_start"], qb["char_end"]))
                sa, sb = qa["speaker_name"], qb["speaker_name"]
                if sa and sb and not names_equivalent(sa, sb) and sa.split()[-1] != sb.split()[-1]:
                    add_conflict(cid, "speaker", (sa, qa["article_id"], qa["speaker_start"] or qa["char_start"],
                                                  qa["speaker_end"] or qa["char_end"]),
                                 (sb, qb["article_id"], qb["speaker_start"] or qb["char_start"],
                                  qb["speaker_end"] or qb["char_end"]))

    # ---- sentences (quote text masked), event/attribution claims
    q_by_art = defaultdict(list)
    for q in quotes:
        q_by_art[q["article_id"]].append(q)
    d_by_art = defaultdict(list)
    for d in dates:
        d_by_art[d["article_id"]].append(d)
    srows, stoks = [], []
    for s in sentences:
        a = s["article_id"]
        text = bodies[a][s["char_start"]:s["char_end"]]
        direct = [q for q in q_by_art[a] if q["kind"] == "direct" and s["char_start"] <= q["char_start"] < s["char_end"]]
        toks = [t for t in word_tokens(text, s["char_start"])
                if not any(q["char_start"] <= t[2] < q["char_end"] for q in direct)]
        if sum(1 for t in toks if t[1] not in STOPWORDS) < 5:
            continue
        srows.append(s)
        stoks.append(toks)
    # attributions and dates by sentence, for the mention slots
    attr_by_sent, dates_by_sent = defaultdict(list), defaultdict(list)
    for q in quotes:
        if q["kind"] in ("indirect", "according_to"):
            attr_by_sent[(q["article_id"], q["sentence_no"])].append(q)
    sent_starts = defaultdict(list)
    for s in sentences:
        sent_starts[s["article_id"]].append((s["char_start"], s["sentence_no"]))
    for d in dates:
        starts = sent_starts[d["article_id"]]
        k = bisect.bisect_right(starts, (d["char_start"], 1 << 30)) - 1
        if k >= 0:
            dates_by_sent[(d["article_id"], starts[k][1])].append(d)
    skeys = [_key(t) for t in stoks]
    sarts = [s["article_id"] for s in srows]
    uf = _UnionFind(len(srows))
    # token-sort ratio = plain ratio of the sorted token strings: sort once, compare in C++; pairs in the
    # grey zone get the (slower) token-set test for one sentence contained in a longer one
    sorted_keys = [" ".join(sorted(k.split())) for k in skeys]
    for i, j, score in _scored_pairs(sorted_keys, sarts, 45):
        if score >= 72:
            uf.union(i, j)
        elif fuzz.token_set_ratio(skeys[i], skeys[j]) >= 88 and \
                len(set(skeys[i].split()) & set(skeys[j].split())) >= 7:
            uf.union(i, j)
    for group in uf.groups():
        members = []
        for i in group:
            s = srows[i]
            key = (s["article_id"], s["sentence_no"])
            attr, sdates = attr_by_sent.get(key, []), dates_by_sent.get(key, [])
            members.append(dict(article_id=s["article_id"], char_start=s["char_start"], char_end=s["char_end"],
                                speaker_name=attr[0]["speaker_name"] if attr else None,
                                slot_numbers=[float(t[1]) for t in stoks[i] if _NUM_TOKEN.match(t[1])],
                                slot_names=[t[0] for t in stoks[i][1:] if t[0][:1].isupper()],
                                slot_dates=[d["resolved_date"] for d in sdates if d["resolved_date"]],
                                _dates=sdates))
        claimants = Counter(m["speaker_name"] for m in members if m["speaker_name"])
        canon = Counter(skeys[i] for i in group)
        canon_i = max(group, key=lambda i: (canon[skeys[i]], -arts[srows[i]["article_id"]]["order"]))
        cs = srows[canon_i]
        cid = add_claim("attribution" if claimants else "event", members,
                        bodies[cs["article_id"]][cs["char_start"]:cs["char_end"]],
                        claimants.most_common(1)[0][0] if claimants else None, None)
        if len(group) > 1:
            _slot_conflicts(cid, group, srows, stoks, members, arts, add_conflict)

    # ---- quantities
    by_value = defaultdict(list)
    for q in quantities:
        by_value[q["value"]].append(q)
    sent_tokens = {}
    for s in sentences:
        sent_tokens[(s["article_id"], s["sentence_no"])] = s
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
                ctx = {i: _context(bodies, rows[i]) for i in idx}
                for x, i in enumerate(idx):
                    for j in idx[x + 1:]:
                        if uf.find(i) != uf.find(j) and \
                                len(ctx[i] & ctx[j]) / max(1, len(ctx[i] | ctx[j])) >= 0.2:
                            uf.union(i, j)
        for group in uf.groups():
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
    return frozenset(_key(word_tokens(text)).split())


def _slot_conflicts(cid, group, srows, stoks, members, arts, add_conflict):
    seen = set()
    for x in range(len(group)):
        for y in range(x + 1, len(group)):
            ia, ib = group[x], group[y]
            if srows[ia]["article_id"] == srows[ib]["article_id"]:
                continue
            ta, tb = stoks[ia], stoks[ib]
            sm = difflib.SequenceMatcher(a=[t[1] for t in ta], b=[t[1] for t in tb], autojunk=False)
            for op, a0, a1, b0, b1 in sm.get_opcodes():
                if op != "replace" or a1 - a0 > 3 or b1 - b0 > 3:
                    continue
                pa, pb = ta[a0:a1], tb[b0:b1]
                na = [t for t in pa if _NUM_TOKEN.match(t[1])]
                nb = [t for t in pb if _NUM_TOKEN.match(t[1])]
                if na and nb:
                    va, vb = " ".join(t[0] for t in pa), " ".join(t[0] for t in pb)
                    if {t[1] for t in na} != {t[1] for t in nb}:
                        _emit(cid, "number", ta, a0, a1, tb, b0, b1, srows[ia], srows[ib], arts, add_conflict, seen)
                    continue
                if len(pa) == 1 and len(pb) == 1 and pa[0][0][:1].isupper() and pb[0][0][:1].isupper() \
                        and a0 > 0 and b0 > 0 and not names_equivalent(pa[0][0], pb[0][0]):
                    prev = ta[a0 - 1][1]
                    ctype = "place" if prev in _PLACE_CUES else "name"
                    _emit(cid, ctype, ta, a0, a1, tb, b0, b1, srows[ia], srows[ib], arts, add_conflict, seen)
            # dates: one date each, windows that do not overlap
            da, db = members[x]["_dates"], members[y]["_dates"]
            if len(da) == 1 and len(db) == 1:
                wa = date_interval(da[0]["resolved_date"], da[0]["granularity"])
                wb = date_interval(db[0]["resolved_date"], db[0]["granularity"])
                if wa and wb and (wa[1] < wb[0] or wb[1] < wa[0]):
                    key = ("date", da[0]["surface"], db[0]["surface"])
                    if key not in seen:
                        seen.add(key)
                        add_conflict(cid, "date", (da[0]["surface"], da[0]["article_id"], da[0]["char_start"],
                                                   da[0]["char_end"]),
                                     (db[0]["surface"], db[0]["article_id"], db[0]["char_start"], db[0]["char_end"]))


def _emit(cid, ctype, ta, a0, a1, tb, b0, b1, sa, sb, arts, add_conflict, seen):
    a_s, a_e, b_s, b_e = ta[a0][2], ta[a1 - 1][3], tb[b0][2], tb[b1 - 1][3]
    a = (arts[sa["article_id"]]["body"][a_s:a_e], sa["article_id"], a_s, a_e)
    b = (arts[sb["article_id"]]["body"][b_s:b_e], sb["article_id"], b_s, b_e)
    if arts[a[1]]["order"] > arts[b[1]]["order"]:
        a, b = b, a
    key = (ctype, a[0], b[0])
    if key in seen:
        return
    seen.add(key)
    add_conflict(cid, ctype, a, b)

"""The line engine: decides, for each document of a night, which lines are body and which are
boilerplate/metadata. It reads the night's lines as parallel lists (``NightLines``, built by night.py
with the per-line features precomputed) and writes one status per line.

Used for text and markdown documents (lines of the raw text) and as the second pass over
trafilatura's output for HTML (lines of the extracted text). Rules, in order:

1. markup   — lines that are empty once markdown markup is removed (rules, images, link definitions);
2. pattern  — the maintained pattern list (``patterns.yaml``); some patterns lift metadata, and link
              block headings ('Related Articles', "DON'T MISS") take the short link lines after them;
3. frequency — lines recurring in ``min_stories`` distinct stories of the outlet (see frequency.py);
4. head     — before the first sentence-like paragraph: date lines, byline, section, title, dek are
              lifted; other short non-sentence lines are edge furniture ('position_edge');
5. tail     — only through patterns ('Related' blocks, footers): a generic shape rule at the tail was
              measured net-negative on AEB (4 leaked lines removed for 22 article lines);
6. caption  — a paragraph that repeats another paragraph of the body with a credit appended (the
              repeated body sentence stays); plain repeats stay (recipes and lists repeat lines);
7. subheadings — short non-sentence lines left between body paragraphs stay in the body (claims need
              offsets into it) and are also listed in ``subheadings``.
"""

import re
from bisect import bisect_left
from dataclasses import dataclass, field

import polars as pl
from rapidfuzz import fuzz

from .frequency import MAX_LINE_WORDS, line_hash
from .markup import strip_markdown_line
from .metadata import date_line_value, normalise_agency, split_dateline
from .patterns import PatternSet

_TERMINAL = re.compile(r"[.!?…:;]['\"”’»)\]]*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-–•*·▪►»+]|\d{1,2}[.)])\s+")
_LIST_MARKS = frozenset("-–•*·▪►»+ \t")
_URL_LINE = re.compile(r"^<?(https?://\S+?)>?$")
_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
_TITLE_END = re.compile(r"[,;]$")
# what a credit appended to a caption looks like in the raw line
_CREDIT_TAIL = re.compile(r"(?i)(\*\*[^*]+\*\*|__[^_]+__|[/|]|\(|\b(?:photo|image|credit|courtesy|getty|afp|reuters|ap|file|"
                          r"foto|bild|source)\b)[^.!?]*$")


def count_words(text: str) -> int:
    n = len(text.split())
    if n * 12 < len(text) and _CJK.search(text):
        # scripts written without spaces: count ~2 characters per word
        n = max(n, len(text) // 2)
    return n


@dataclass(slots=True)
class Line:
    no: int            # 1-based line number in the source text
    start: int | None  # char offset of the line in raw_text (None for extractor output)
    raw: str           # the line as it appears in the source
    text: str          # markup-free, trimmed
    heading: bool = False
    status: tuple | None = None  # (reason_code, rule, lifted_as) once removed
    words: int = -1    # word count of ``text`` (computed with ``key`` unless given)
    key: str | None = None  # frequency.line_hash of ``text`` if the line is short enough to be tracked

    def __post_init__(self):
        if self.words < 0:
            self.words = count_words(self.text)
            if self.key is None and self.text and self.words <= MAX_LINE_WORDS:
                self.key = line_hash(self.text)


def split_lines(text: str, markdown: bool) -> list[Line]:
    """Non-blank lines with their raw offsets; markdown markup stripped when ``markdown``.

    The per-line features (word count, frequency key) are computed here, inline: this loop runs for
    every line of the night, and ``Line.__post_init__`` doing it cost a third more."""
    out, pos = [], 0
    max_words = MAX_LINE_WORDS
    for no, raw in enumerate(text.split("\n"), start=1):
        start = pos
        pos += len(raw) + 1
        plain = raw.strip()
        if not plain:
            continue
        raw_line = raw.rstrip("\r")
        heading = False
        if markdown:
            plain, heading = strip_markdown_line(raw_line)
        n = count_words(plain)
        out.append(Line(no, start, raw_line, plain, heading, None, n,
                        line_hash(plain) if plain and n <= max_words else None))
    return out


_CAPTION_MIN_SPACES = 9  # caption candidates: lines of 10+ words


def pattern_text(text: str) -> str:
    """The text the pattern list is matched against: a list marker ('- ', '3. ') removed."""
    if text[:1] in _LIST_MARKS or text[:1].isdigit():
        return _LIST_ITEM.sub("", text, count=1)
    return text


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())  # quotes and dashes are not word characters: no need to fold them


def _word_prefix(text: str, n: int = 6) -> str:
    """The first ``n`` word characters of the lowercased text (tokens joined without separators)."""
    head = text[:4 * n].lower().replace(" ", "")[:n]
    if len(head) == n and head.isalnum():  # the common case: letters and spaces only up to there
        return head
    head = "".join(_WORD.findall(text[:80].lower()))
    if len(head) < n:
        head = "".join(_WORD.findall(text.lower()))
    return head[:n]


def _url_key(url: str) -> str:
    """A URL without scheme, 'www.', query, fragment and trailing slash (for equality tests)."""
    u = re.sub(r"^https?://(?:www\.)?", "", url.strip().lower())
    return re.split(r"[?#]", u, maxsplit=1)[0].rstrip("/")


def _clean_value(value: str) -> str:
    value = re.sub(r"[“”\"«»„]", "", value)
    return re.sub(r"\s+", " ", value).strip(" ,;:-–—|•")


@dataclass
class NightLines:
    """A night's non-blank lines as parallel lists, one entry per line (a "row"). A document's rows
    are contiguous: ``doc_start[d]:doc_start[d + 1]``. Built by ``night.night_lines``; the rules
    below read these lists and write ``status`` (no per-line objects: a night holds ~20 lines per
    article, and an object per line cost more than the rules)."""
    doc_start: list[int]
    no: list[int]             # 1-based line number in the source text
    start: list[int | None]   # char offset in raw_text (None for an extractor's output)
    raw: pl.Series            # the line as it appears in the source (read for few rows: kept columnar)
    text: list[str]           # markup-free, trimmed ('' when only markup)
    heading: list[bool]
    words: list[int]
    sentence: list[bool]      # is_sentence_like
    terminal: list[bool]      # ends like a sentence (_TERMINAL)
    candidate: list[bool]     # False: no pattern can match the line (night.with_rule_features)
    caption_maybe: list[bool]  # False: the line is neither a caption nor a captioned sentence (ditto)
    caption_docs: list[bool]   # per document: any caption_maybe line
    n_stories: list[int | None]  # distinct stories of the outlet the line occurs in (None: not tracked)
    first_sentence: list[int]  # per document: row of the first sentence-like line (doc end if none)
    last_sentence: list[int]   # per document: row of the last one (-1 if none)
    candidate_rows: list[int]  # rows with candidate True, ascending
    found: dict[int, tuple[frozenset[str], bool]]  # candidate row -> (the pattern keywords it holds,
                                                   # whether an anchored pattern can fit its start)
    status: list[tuple | None] = field(default_factory=list)  # (reason_code, rule, lifted_as) once removed
    # line text -> its pattern match (or None): a night repeats its boilerplate lines thousands of
    # times, and a line's match depends on its text only (position rules are applied after)
    matches: dict[str, tuple | None] = field(default_factory=dict)

    def __post_init__(self):
        if not self.status:
            self.status = [None] * len(self.text)


@dataclass
class DocLines:
    """One document's verdict: body rows (in order) and removed rows, lifted metadata, subheadings."""
    body_rows: list[int]
    removed_rows: list[int]
    meta: dict
    subheadings: list[str]


_MARKUP = ("markup", "empty after markup removal", None)


class LineEngine:
    def __init__(self, patterns: PatternSet, min_stories: int = 3):
        self.patterns = patterns
        self.min_stories = min_stories

    # ------------------------------------------------------------------ entry point
    def run_doc(self, L: NightLines, d: int, *, outlet: str = "", known_title: str | None = None, shape_rules: bool = True,
                known_urls: tuple[str | None, ...] = ()) -> DocLines:
        """Classify document ``d``'s rows (writes ``L.status``).

        shape_rules: the head block's shape rules (one-to-four word labels lifted as section, short
        unpunctuated lines removed as edge furniture). For raw text dumps, where menus and labels
        sit above the article. An HTML extractor's output has had its layout analysed already: there
        these rules removed article lines 17 times for 5 boilerplate lines on AEB, so the HTML path
        turns them off (patterns, frequency, captions and the title/date/dek lifts still run).
        known_urls: the document's own URLs (source, canonical): a line that is only one of them is
        the page's address printed by its template (print views), lifted as canonical_url.

        No generic tail-shape rule: on AEB extractor dumps one removed 4 leaked lines but 22 article
        lines (ticket prices, agency tags, contact lines the annotators count as article).
        """
        s, e = L.doc_start[d], L.doc_start[d + 1]
        text, status = L.text, L.status
        meta: dict = {}
        live = [k for k in range(s, e) if text[k]]
        if len(live) < e - s:
            for k in range(s, e):
                if not text[k]:
                    status[k] = _MARKUP
        self._patterns(L, d, meta)
        if any(known_urls):
            self._own_url(L, live, known_urls, meta)
        self._frequency(L, live, outlet)
        if L.caption_docs[d]:
            self._captions(L, live)  # before the head rules: a caption under the title is not a dek
        self._head(L, live, meta, known_title, shape_rules)
        body = [k for k in range(s, e) if status[k] is None]
        removed = [k for k in range(s, e) if status[k] is not None]
        subheadings = self._subheadings(L, body)
        self._dateline(L, body, meta)
        return DocLines(body, removed, meta, subheadings)

    # ------------------------------------------------------------------ rules
    @staticmethod
    def _lift(L: NightLines, k: int, rule: str, field_name: str, value, meta: dict) -> None:
        L.status[k] = ("metadata_lifted", rule, field_name)
        if value not in (None, "") and field_name not in meta:
            meta[field_name] = value

    @staticmethod
    def _is_short_furniture(L: NightLines, k: int, max_words: int = 6) -> bool:
        """Menu item, section label or teaser headline: a short line, or an unpunctuated list item."""
        if L.sentence[k] or L.terminal[k]:
            return False
        return L.words[k] <= max_words or (bool(_LIST_ITEM.match(L.text[k])) and L.words[k] <= 25)

    def _patterns(self, L: NightLines, d: int, meta: dict) -> None:
        """The pattern list, tried only on candidate rows; a hit that opens a block ('Related
        Articles') also takes the short link lines after it, up to the next prose line."""
        s, e = L.doc_start[d], L.doc_start[d + 1]
        cands = L.candidate_rows
        ci = bisect_left(cands, s)
        first_sentence, last_sentence = L.first_sentence[d], L.last_sentence[d]
        text, status = L.text, L.status
        block_open = None
        k = s
        while True:
            if block_open is None:  # nothing can happen before the next candidate
                while ci < len(cands) and cands[ci] < k:
                    ci += 1
                if ci == len(cands) or cands[ci] >= e:
                    return
                k = cands[ci]
            if k >= e:
                return
            if status[k] is not None:
                k += 1
                continue
            hit = None
            if L.candidate[k]:
                try:
                    hit = L.matches[text[k]]
                except KeyError:
                    line = pattern_text(text[k])
                    found, may_anchor = L.found[k]
                    hit = L.matches[text[k]] = self.patterns.match(
                        line, L.words[k] if line is text[k] else None, found=found, may_anchor=may_anchor)
                if hit is not None:
                    where = hit[0].where
                    in_head = k < first_sentence
                    if (where == "head" and not in_head) or (where == "edge" and not (in_head or k > last_sentence)):
                        hit = None
            if hit is None:
                if block_open is not None and self._is_short_furniture(L, k, max_words=20):
                    status[k] = ("pattern", f"block:{block_open}", None)
                else:
                    block_open = None
                k += 1
                continue
            p, m = hit
            block_open = p.id if p.opens_block else None
            if p.lift:
                value = m.groupdict().get("value") if "value" in p.regex.groupindex else m.string
                if p.lift == "canonical_url" and not value:
                    value = self._url_after(L, k, e)
                if p.lift == "wire_credit":
                    value = normalise_agency(value) or _clean_value(value or "")
                    if re.match(r"(?i)^by\s", text[k]) and k < first_sentence:
                        meta.setdefault("byline", value)
                elif p.lift == "byline":
                    value = _clean_value(value or "")
                    agency = normalise_agency(value)
                    if agency:
                        meta.setdefault("wire_credit", agency)
                elif value:
                    value = _clean_value(value)
                self._lift(L, k, f"pattern:{p.id}", p.lift, value, meta)
            else:
                status[k] = ("pattern", f"pattern:{p.id}", None)
            k += 1

    @staticmethod
    def _url_after(L: NightLines, k: int, e: int) -> str | None:
        """'Original url:' with the URL on the next line: lift that line too."""
        nxt = next((j for j in range(k + 1, e) if L.text[j]), None)
        if nxt is not None:
            m = _URL_LINE.match(L.text[nxt])
            if m and L.status[nxt] is None:
                L.status[nxt] = ("metadata_lifted", "pattern:original_url(next line)", "canonical_url")
                return m.group(1)
        return None

    def _own_url(self, L: NightLines, live: list[int], known_urls: tuple[str | None, ...], meta: dict) -> None:
        own = {_url_key(u) for u in known_urls if u}
        for k in live:
            if L.words[k] == 1 and L.status[k] is None:
                m = _URL_LINE.match(L.text[k])
                if m and _url_key(m.group(1)) in own:
                    self._lift(L, k, "page_url_line", "canonical_url", m.group(1), meta)

    def _frequency(self, L: NightLines, live: list[int], outlet: str) -> None:
        """Lines recurring in ``min_stories`` distinct stories of the outlet (``L.n_stories``)."""
        n_stories, status, floor = L.n_stories, L.status, self.min_stories
        for k in live:
            n = n_stories[k]
            if n is not None and n >= floor and status[k] is None:
                status[k] = ("frequency", f"seen in {n} distinct stories of outlet {outlet}", None)

    def _head(self, L: NightLines, live: list[int], meta: dict, known_title: str | None,
              shape_rules: bool = True) -> None:
        """Lift metadata from the head block (lines before the first prose paragraph)."""
        status, sentence = L.status, L.sentence
        head = []
        for k in live:
            if sentence[k] and status[k] is None:
                break
            head.append(k)
        title_idx = None
        title_norm = " ".join(_tokens(known_title)) if known_title else None
        for idx, k in enumerate(head):
            if status[k] is not None:
                continue
            line = L.text[k]
            text = _LIST_ITEM.sub("", line) if _LIST_ITEM.match(line) else line
            d = date_line_value(text)
            if d is not None:
                self._lift(L, k, "head:date_line", "published_date", d, meta)
                continue
            if title_idx is None:
                if title_norm is not None:
                    toks = " ".join(_tokens(text))
                    if toks and (toks == title_norm or fuzz.ratio(toks, title_norm) >= 90):
                        self._lift(L, k, "head:matches_metadata_title", "title", text, meta)
                        title_idx = idx
                        continue
                elif "title" not in meta and (L.heading[k] or (3 <= len(text.split()) <= 30 and not _LIST_ITEM.match(line)
                                                             and not _TITLE_END.search(text) and not text[0].islower())):
                    self._lift(L, k, "head:first_heading" if L.heading[k] else "head:first_title_line", "title",
                               text, meta)
                    title_idx = idx
                    continue
            if (title_idx is not None and idx == title_idx + 1 and "dek" not in meta
                    and 6 <= len(text.split()) <= 60 and not L.heading[k]):
                self._lift(L, k, "head:line_after_title", "dek", text, meta)
                continue
            if not shape_rules:
                continue
            if len(text.split()) <= 4 and "section" not in meta and not re.search(r"\d", text):
                # a one-to-four word label above the title or in the head's bullet list
                self._lift(L, k, "head:short_label", "section", text, meta)
                continue
            if self._is_short_furniture(L, k):
                status[k] = ("position_edge", "head block: short line without sentence punctuation", None)

    @staticmethod
    def _captions(L: NightLines, live: list[int]) -> None:
        """Photo captions: a paragraph that repeats another body paragraph with a credit appended.

        The repeated paragraph must be a real sentence (>= 10 tokens), the appended part short and
        credit-like (bold markup, a slash/pipe, parentheses or a credit word); the caption goes, the
        body sentence stays. Plain repeats are left alone (recipes and lists repeat lines legitimately).
        """
        text, status = L.text, L.status
        # A caption and the paragraph it repeats share their first 6 tokens, hence their first 6 word
        # characters: only lines sharing that cheap key with another line are tokenised
        # (``caption_maybe`` marks the lines that can share it).
        groups: dict[str, list[int]] = {}
        for k in live:
            if L.caption_maybe[k] and status[k] is None and text[k].count(" ") >= _CAPTION_MIN_SPACES:
                groups.setdefault(_word_prefix(text[k]), []).append(k)
        shared = sorted(k for g in groups.values() if len(g) > 1 for k in g)
        if not shared:
            return
        # then by the first 6 tokens (of the line's start when that holds 7 tokens: the 6 are whole)
        by_six: dict[tuple, list[int]] = {}
        for k in shared:
            start = _tokens(text[k][:60])
            if len(start) < 7:
                start = _tokens(text[k])
            by_six.setdefault(tuple(start[:6]), []).append(k)
        paired = sorted(k for g in by_six.values() if len(g) > 1 for k in g)
        toks = {k: _tokens(text[k]) for k in paired}
        by_prefix: dict[tuple, list[int]] = {}
        for k in paired:
            if len(toks[k]) >= 10:
                by_prefix.setdefault(tuple(toks[k][:6]), []).append(k)
        for i in paired:
            t = toks[i]
            if len(t) < 11:
                continue
            for j in by_prefix.get(tuple(t[:6]), ()):
                n = len(toks[j])
                if j == i or n >= len(t) or len(t) - n > 25:
                    continue
                same = t[:n] == toks[j] or (n >= 12 and fuzz.ratio(" ".join(t[:n]), " ".join(toks[j])) >= 95)
                if same and _CREDIT_TAIL.search(L.raw[i]):  # a Series item: captions are rare
                    status[i] = ("caption", f"repeats line {L.no[j]} with {len(t) - n} extra words (credit)", None)
                    break

    @staticmethod
    def _subheadings(L: NightLines, body: list[int]) -> list[str]:
        """Headings, and short unpunctuated lines that sit between prose paragraphs."""
        subs = []
        last = len(body) - 1
        for i, k in enumerate(body):
            if L.heading[k]:
                subs.append(L.text[k])
            elif 0 < i < last and L.words[k] <= 10 and not L.terminal[k] and L.sentence[body[i + 1]]:
                subs.append(L.text[k])
        return subs

    @staticmethod
    def _dateline(L: NightLines, body: list[int], meta: dict) -> None:
        if not body:
            return
        found = split_dateline(L.text[body[0]])
        if found:
            place, agency = found
            meta.setdefault("dateline", place)
            if agency and normalise_agency(agency):
                meta.setdefault("wire_credit", normalise_agency(agency))


def removed_rows(L: NightLines, rows: list[int]) -> list[dict]:
    """clean.removed_lines fields (without article_id) of removed ``rows``."""
    raw = L.raw.gather(rows).to_list() if rows else []
    out = []
    for k, line in zip(rows, raw):
        reason, rule, lifted_as = L.status[k]
        out.append({"line_no": L.no[k], "char_start": L.start[k], "text": line.strip(), "reason_code": reason,
                    "rule": rule, "lifted_as": lifted_as})
    return out


"""The line engine: decides, for one document, which lines are body and which are boilerplate/metadata.

Used for text and markdown documents (lines of the raw text) and as the second pass over
trafilatura's output for HTML (lines of the extracted text). Rules, in order:

1. markup   — lines that are empty once markdown markup is removed (rules, images, link definitions);
2. pattern  — the maintained pattern list (``patterns.yaml``); some patterns lift metadata, and link
              block headings ('Related Articles', "DON'T MISS") take the short link lines after them;
3. frequency — lines recurring in ``min_stories`` distinct stories of the outlet (see frequency.py);
4. head     — before the first sentence-like paragraph: date lines, byline, section, title, dek are
              lifted; other short non-sentence lines are edge furniture ('position_edge');
5. tail     — only through patterns ('Related' blocks, footers): a generic shape rule at the tail was
              measured net-negative (see _tail, kept for callers that opt in with tail_shape=True);
6. caption  — a paragraph that repeats another paragraph of the body with a credit appended (the
              repeated body sentence stays); exact repeats of a paragraph go as 'duplicate';
7. subheadings — short non-sentence lines left between body paragraphs stay in the body (claims need
              offsets into it) and are also listed in ``subheadings``.
"""

import re
from dataclasses import dataclass, field
from datetime import date

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
    keyword_hit: bool | None = None  # PatternSet.keyword_hits of ``text`` (None: not computed)

    def __post_init__(self):
        if self.words < 0:
            self.words = count_words(self.text)
            if self.key is None and self.text and self.words <= MAX_LINE_WORDS:
                self.key = line_hash(self.text)


@dataclass
class LineResult:
    body_lines: list[Line]
    removed: list[Line]
    meta: dict = field(default_factory=dict)
    subheadings: list[str] = field(default_factory=list)


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


def is_sentence_like(line: Line) -> bool:
    """Prose: ends like a sentence and has a few words, or is long whatever its ending."""
    if line.heading:
        return False
    w = line.words
    return w >= 25 or (w >= 4 and bool(_TERMINAL.search(line.text)))


def _is_short_furniture(line: Line, max_words: int = 6) -> bool:
    """Menu item, section label or teaser headline: a short line, or an unpunctuated list item."""
    if is_sentence_like(line) or _TERMINAL.search(line.text):
        return False
    return line.words <= max_words or (bool(_LIST_ITEM.match(line.text)) and line.words <= 25)


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


class LineEngine:
    def __init__(self, patterns: PatternSet, min_stories: int = 3, tail_shape: bool = False):
        self.patterns = patterns
        self.min_stories = min_stories
        self.tail_shape = tail_shape

    # ------------------------------------------------------------------ entry point
    def run(self, lines: list[Line], *, outlet: str | None = None, counter=None,
            known_title: str | None = None, shape_rules: bool = True,
            known_urls: tuple[str | None, ...] = ()) -> LineResult:
        """Classify one document's lines.

        shape_rules: the head block's shape rules (one-to-four word labels lifted as section, short
        unpunctuated lines removed as edge furniture). For raw text dumps, where menus and labels
        sit above the article. An HTML extractor's output has had its layout analysed already: there
        these rules removed article lines 17 times for 5 boilerplate lines on AEB, so the HTML path
        turns them off (patterns, frequency, captions and the title/date/dek lifts still run).
        known_urls: the document's own URLs (source, canonical): a line that is only one of them is
        the page's address printed by its template (print views), lifted as canonical_url.
        """
        meta: dict = {}
        for ln in lines:
            if not ln.text:
                ln.status = ("markup", "empty after markup removal", None)
        live = [ln for ln in lines if ln.status is None]
        first_sentence = next((i for i, ln in enumerate(live) if is_sentence_like(ln)), len(live))
        last_sentence = max((i for i, ln in enumerate(live) if is_sentence_like(ln)), default=-1)

        self._patterns(live, first_sentence, last_sentence, meta)
        if known_urls:
            self._own_url(live, known_urls, meta)
        if counter is not None and outlet is not None:
            self._frequency(live, outlet, counter)
        self._captions(live)  # before the head rules: a caption under the title is not a dek
        self._head(live, meta, known_title, shape_rules)
        if self.tail_shape:
            self._tail(live)
        # By default no generic tail-shape rule: on AEB extractor dumps it removed 4 leaked lines but 22 article
        # lines (ticket prices, agency tags, contact lines the annotators count as article).
        body = [ln for ln in lines if ln.status is None]
        removed = [ln for ln in lines if ln.status is not None]
        subheadings = self._subheadings(body)
        self._dateline(body, meta)
        return LineResult(body, removed, meta, subheadings)

    # ------------------------------------------------------------------ rules
    def _lift(self, ln: Line, rule: str, field_name: str, value, meta: dict) -> None:
        ln.status = ("metadata_lifted", rule, field_name)
        if value not in (None, "") and field_name not in meta:
            meta[field_name] = value

    def _patterns(self, live: list[Line], first_sentence: int, last_sentence: int, meta: dict) -> None:
        block_open = None
        for i, ln in enumerate(live):
            if ln.status is not None:
                continue
            text = pattern_text(ln.text)
            hit = self.patterns.match(text, ln.words if text is ln.text else None, ln.keyword_hit)
            if hit is not None:
                p, m = hit
                in_head = i < first_sentence
                in_edge = in_head or i > last_sentence
                if (p.where == "head" and not in_head) or (p.where == "edge" and not in_edge):
                    hit = None
            if hit is None:
                # link lines under a 'Related'/'Don't miss' heading go with it, up to the next prose
                if block_open is not None and _is_short_furniture(ln, max_words=20):
                    ln.status = ("pattern", f"block:{block_open}", None)
                    continue
                block_open = None
                continue
            p, m = hit
            block_open = p.id if p.opens_block else None
            if p.lift:
                value = m.groupdict().get("value") if "value" in p.regex.groupindex else m.string
                if p.lift == "canonical_url" and not value:
                    value = self._url_after(live, i)
                if p.lift == "wire_credit":
                    value = normalise_agency(value) or _clean_value(value or "")
                    if re.match(r"(?i)^by\s", ln.text) and i < first_sentence:
                        meta.setdefault("byline", value)
                elif p.lift == "byline":
                    value = _clean_value(value or "")
                    agency = normalise_agency(value)
                    if agency:
                        meta.setdefault("wire_credit", agency)
                elif value:
                    value = _clean_value(value)
                self._lift(ln, f"pattern:{p.id}", p.lift, value, meta)
            else:
                ln.status = ("pattern", f"pattern:{p.id}", None)

    def _own_url(self, live: list[Line], known_urls: tuple[str | None, ...], meta: dict) -> None:
        own = {_url_key(u) for u in known_urls if u}
        for ln in live:
            if ln.status is None and ln.words == 1:
                m = _URL_LINE.match(ln.text)
                if m and _url_key(m.group(1)) in own:
                    self._lift(ln, "page_url_line", "canonical_url", m.group(1), meta)

    def _url_after(self, live: list[Line], i: int) -> str | None:
        """'Original url:' with the URL on the next line: lift that line too."""
        if i + 1 < len(live):
            nxt = live[i + 1]
            m = _URL_LINE.match(nxt.text)
            if m and nxt.status is None:
                nxt.status = ("metadata_lifted", "pattern:original_url(next line)", "canonical_url")
                return m.group(1)
        return None

    def _frequency(self, live: list[Line], outlet: str, counter) -> None:
        counts = counter.outlet_counts(outlet)
        for ln in live:
            if ln.status is not None or ln.words > MAX_LINE_WORDS:
                continue
            if ln.key is None:
                continue
            n = counts.get(ln.key)
            if n is None:  # a line not registered with the counter tonight: stored stats only
                n = counter.n_stories(outlet, ln.key)
            if n >= self.min_stories:
                ln.status = ("frequency", f"seen in {n} distinct stories of outlet {outlet}", None)

    def _head(self, live: list[Line], meta: dict, known_title: str | None, shape_rules: bool = True) -> None:
        """Lift metadata from the head block (lines before the first prose paragraph)."""
        head = []
        for ln in live:
            if is_sentence_like(ln) and ln.status is None:
                break
            head.append(ln)
        title_idx = None
        title_norm = " ".join(_tokens(known_title)) if known_title else None
        for idx, ln in enumerate(head):
            if ln.status is not None:
                continue
            text = _LIST_ITEM.sub("", ln.text) if _LIST_ITEM.match(ln.text) else ln.text
            d = date_line_value(text)
            if d is not None:
                self._lift(ln, "head:date_line", "published_date", d, meta)
                continue
            if title_idx is None:
                if title_norm is not None:
                    toks = " ".join(_tokens(text))
                    if toks and (toks == title_norm or fuzz.ratio(toks, title_norm) >= 90):
                        self._lift(ln, "head:matches_metadata_title", "title", text, meta)
                        title_idx = idx
                        continue
                elif "title" not in meta and (ln.heading or (3 <= len(text.split()) <= 30 and not _LIST_ITEM.match(ln.text)
                                                          and not _TITLE_END.search(text) and not text[0].islower())):
                    self._lift(ln, "head:first_heading" if ln.heading else "head:first_title_line", "title",
                               text, meta)
                    title_idx = idx
                    continue
            if (title_idx is not None and idx == title_idx + 1 and "dek" not in meta
                    and 6 <= len(text.split()) <= 60 and not ln.heading):
                self._lift(ln, "head:line_after_title", "dek", text, meta)
                continue
            if not shape_rules:
                continue
            if len(text.split()) <= 4 and "section" not in meta and not re.search(r"\d", text):
                # a one-to-four word label above the title or in the head's bullet list
                self._lift(ln, "head:short_label", "section", text, meta)
                continue
            if _is_short_furniture(ln):
                ln.status = ("position_edge", "head block: short line without sentence punctuation", None)

    def _tail(self, live: list[Line]) -> None:
        """Walk back from the end: short unpunctuated lines after the last prose paragraph go.

        List items are left alone here (articles end with product lists, results, links the reader
        needs); teaser lists are caught under a 'Related'/'More' heading by the pattern rules instead.
        """
        for ln in reversed(live):
            if ln.status is not None:
                continue
            if _is_short_furniture(ln) and not _LIST_ITEM.match(ln.text) and not _URL_LINE.match(ln.text):
                ln.status = ("position_edge", "tail block: short line without sentence punctuation", None)
            else:
                break

    def _captions(self, live: list[Line]) -> None:
        """Photo captions: a paragraph that repeats another body paragraph with a credit appended.

        The repeated paragraph must be a real sentence (>= 10 tokens), the appended part short and
        credit-like (bold markup, a slash/pipe, parentheses or a credit word); the caption goes, the
        body sentence stays. Plain repeats are left alone (recipes and lists repeat lines legitimately).
        """
        body = [ln for ln in live if ln.status is None]
        # A caption and the paragraph it repeats share their first 6 tokens, hence their first 6 word
        # characters: only lines sharing that cheap key with another line are tokenised.
        groups: dict[str, list[int]] = {}
        for k, ln in enumerate(body):
            if ln.text.count(" ") >= _CAPTION_MIN_SPACES:
                groups.setdefault(_word_prefix(ln.text), []).append(k)
        toks: list[list[str]] = [[] for _ in body]
        shared = [k for g in groups.values() if len(g) > 1 for k in g]
        if not shared:
            return
        for k in shared:
            toks[k] = _tokens(body[k].text)
        by_prefix: dict[tuple, list[int]] = {}
        for i, t in enumerate(toks):
            if len(t) >= 10:
                by_prefix.setdefault(tuple(t[:6]), []).append(i)
        for i, t in enumerate(toks):
            if len(t) < 11:
                continue
            for j in by_prefix.get(tuple(t[:6]), ()):
                n = len(toks[j])
                if j == i or n >= len(t) or len(t) - n > 25:
                    continue
                same = t[:n] == toks[j] or (n >= 12 and fuzz.ratio(" ".join(t[:n]), " ".join(toks[j])) >= 95)
                if same and _CREDIT_TAIL.search(body[i].raw):
                    body[i].status = ("caption", f"repeats line {body[j].no} with {len(t) - n} extra words (credit)", None)
                    break

    def _subheadings(self, body: list[Line]) -> list[str]:
        """Headings, and short unpunctuated lines that sit between prose paragraphs."""
        subs = []
        for k, ln in enumerate(body):
            if ln.heading:
                subs.append(ln.text)
            elif (0 < k < len(body) - 1 and ln.words <= 10 and not _TERMINAL.search(ln.text)
                  and is_sentence_like(body[k + 1])):
                subs.append(ln.text)
        return subs

    def _dateline(self, body: list[Line], meta: dict) -> None:
        if not body:
            return
        found = split_dateline(body[0].text)
        if found:
            place, agency = found
            meta.setdefault("dateline", place)
            if agency and normalise_agency(agency):
                meta.setdefault("wire_credit", normalise_agency(agency))


def removed_row(ln: Line) -> dict:
    reason, rule, lifted_as = ln.status
    return {"line_no": ln.no, "char_start": ln.start, "text": ln.raw.strip(), "reason_code": reason,
            "rule": rule, "lifted_as": lifted_as}


def lift_date(value) -> date | None:
    return value if isinstance(value, date) else None

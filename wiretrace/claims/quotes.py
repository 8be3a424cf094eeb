"""Direct, partial and indirect quotes with their speakers, by rules.

Pipeline for one article:
1. quote spans from the quote marks, paragraph by paragraph (curly and straight marks; a paragraph that
   ends inside a quote continues into the next paragraph if that one opens with a mark);
2. cue verbs outside the quotes, each with its speaker phrase (subject before the verb, inverted
   "said X", "according to X", participial "saying" -> the clause subject);
3. each quote takes the nearest frame (after the quote first for full quotes, before it for partial
   ones), then colon introduction, then paragraph carry-over (same paragraph's previous quote, the person
   just introduced in the previous paragraph, the previous paragraph's quote speaker);
4. pronouns resolve to the most recent person speaker or sentence subject; names are normalised to the
   article's fullest form ("Zelensky" -> "Volodymyr Zelensky").
"""

import bisect
import re
from dataclasses import dataclass

from wiretrace.claims import names as nm

CUE_VERBS = (
    "said says say told tells added adds stated states noted notes explained explains argued argues asked "
    "asks insisted insists warned warns wrote writes tweeted posted declared declares announced announces "
    "claimed claims acknowledged acknowledges admitted admits replied replies responded continued recalled "
    "recalls urged predicted suggested suggests complained conceded cautioned observed remarked quipped "
    "stressed emphasized emphasised confirmed denied asserted maintained charged countered vowed promised "
    "testified concluded contended joked lamented conceded reiterated shouted yelled cried boasted called calling "
    "described describes dubbed labeled labelled"
).split()
INDIRECT_VERBS = frozenset(
    "said says told tells added stated announced claimed warned argued insisted noted acknowledged "
    "admitted confirmed denied reported predicted suggested asserted maintained contended".split()
)
# (?<![\w-]) rather than \b before the alternation ("so-called" is not a cue): same matches, ~25% faster in sre
_CUE_RE = re.compile(r"(?<![\w-])([Aa]ccording to|pointed out|saying|" + "|".join(sorted(set(CUE_VERBS), key=len, reverse=True)) + r")\b")

_SKIP_BEFORE_CUE = frozenset(
    """also has have had previously later earlier reportedly repeatedly then again once recently would will
    subsequently publicly privately further had already later simply flatly bluntly just""".split()
)
_NP_STOP = frozenset(
    """that and but or which when while as because if after before since where so then in on at by for
    with from to into than who whom whose what is was were are be been not this these those said says
    told added about over under during amid despite though although monday tuesday wednesday thursday
    friday saturday sunday yesterday today week month year last earlier later""".split()
)
_INVERTED_STOP = frozenset(
    """in on at during after before while who which that when to as because with from for in
    adding noting""".split()
)
_THAT_OPTIONAL = frozenset("said says added warned insisted argued saying".split())
_CAP_WORD_RE = re.compile(r"\b[A-Z][\w’'-]+")
_DETERMINERS = frozenset({"the", "a", "an"})
_OPEN_CTX = set(" \t\n([{—–-/:;,")
_WORD_RE = re.compile(r"[^\s,;:()\[\]“”\"]+")
_PARA_RE = re.compile(r"[^\n]+")
_MARK_RE = re.compile(r"[“”\"]")
_LETTER_RE = re.compile(r"[^\W\d_]")
_LAST_WORD_RE = re.compile(r"(\S+)$")
_TRAILING_PAREN_RE = re.compile(r"\s*\([^()]{1,40}\)\s*$")
_TRAILING_DATE_RE = re.compile(r"\s+(?:in|on|at)\s+(?:\d{4}|[A-Z][a-z]+day)\s*$")
_AGE_RE = re.compile(r"\d+-year-old")
_THAT_RE = re.compile(r"(?:[^.,;“\"]{0,40}?\bthat\b)?")
# who was told: "reporters", "lawmakers", "The Associated Press", "CNN", "a crowd of supporters", "him"
_AUDIENCE_RE = re.compile(
    r"\s+(?:(?:reporters|lawmakers|voters|supporters|senators|members|donors|colleagues|investors|journalists|"
    r"students|him|her|them|us|me)\b|(?:the\s+|The\s+)?(?:[A-Z][\w.&’'-]*\s+){0,4}?[A-Z][\w.&’'-]*)"
    r"(?:\s+(?:on|in|at)\s+(?:\w+day|[A-Z]\w+))?")
# a reported clause starts with a subject: determiner, pronoun or a name, and has a verb later
_CLAUSE_START_RE = re.compile(r"\s+(?:the|a|an|his|her|their|its|our|he|she|they|it|we|i|this|that|there|"
                              r"[A-Z][\w’'-]*)\b[^.;:]{0,80}?\b(?:would|will|could|should|can|may|might|must|"
                              r"had|has|have|was|were|is|are|did|does)\b")
# a definite role description standing for a person named earlier ("the senator", "the former president")
_ROLE_RE = re.compile(r"^(?:the|this)\s+(?:former\s+|then-)?(?:senator|congressman|congresswoman|representative|"
                      r"lawmaker|governor|mayor|president|vice president|speaker|secretary|chairman|chairwoman|"
                      r"chair|leader|minister|judge|justice|candidate|nominee|republican|democrat|spokesman|"
                      r"spokeswoman|spokesperson|official|attorney general|prosecutor|sheriff|commissioner)$")
# "<head> <preposition> <noun phrase>" speakers: "officials familiar with the plan", "people close to the
# talks", "a spokesperson for the senator", "aides to the governor", "officials at the Pentagon"
_POST_MODIFIER_PREPS = frozenset("with to for at of in from".split())
_MODIFIED_HEADS = frozenset("""familiar close spokesperson spokesman spokeswoman aides aide officials official
    lawyer lawyers attorney attorneys representative representatives members member leaders leader staff
    sources source adviser advisers advisor advisors people person analysts economists experts""".split())
_DOCUMENT_FROM_RE = re.compile(
    r"\b(?:statement|message|letter|post|note|memo|response|reply|tweet|email|release)\s+(?:from|by)\s+"
    r"((?:the\s+)?[A-Z][\w.’'&-]*(?:\s+(?:of\s+(?:the\s+)?|for\s+|and\s+)?[A-Z][\w.’'&-]*)*)")
# every word capitalised (small function words aside), at most six words: a title, not a quotation
_TITLE_CASE_RE = re.compile(r"[A-Z][\w’'-]*(?:\s+(?:(?:the|of|and|a|an|in|on|to|for|at)\s+)?[A-Z][\w’'-]*){0,5}"
                            r"[.,!?]?\s*$")
_PARTY_RE = re.compile(r"^\(?[DRI]-[A-Z][\w.]*\)?$")


@dataclass
class QuoteSpan:
    start: int  # content start (after the opening mark)
    end: int  # content end (before the closing mark, trailing comma/space trimmed)
    open_pos: int
    close_pos: int | None  # None: ran to the end of the paragraph
    para: int
    continued: bool  # continues a quote from the previous paragraph


@dataclass
class Frame:
    cue_start: int
    cue_end: int
    cue: str
    np_start: int
    np_end: int
    np_text: str
    kind: str  # 'subject' | 'inverted' | 'according_to' | 'participial'


def paragraph_spans(body: str) -> list[tuple[int, int]]:
    return [m.span() for m in _PARA_RE.finditer(body) if m.group().strip()]


def find_quote_spans(body: str, paras: list[tuple[int, int]]) -> list[QuoteSpan]:
    spans: list[QuoteSpan] = []
    carry = False
    for pi, (ps, pe) in enumerate(paras):
        open_pos = None
        continued = False
        first_mark_seen = False
        for m in _MARK_RE.finditer(body[ps:pe]):
            pos = ps + m.start()
            ch = m.group()
            if ch == '"':
                prev = body[pos - 1] if pos > ps else " "
                nxt = body[pos + 1] if pos + 1 < pe else " "
                is_open = (prev in _OPEN_CTX or pos == ps) and not nxt.isspace()
                if open_pos is not None and not (prev in _OPEN_CTX and pos != ps and open_pos is None):
                    is_open = False if not (pos == ps) else is_open
            else:
                is_open = ch == "“"
            if is_open:
                if not first_mark_seen and carry and body[ps:pos].strip() == "":
                    continued = True
                open_pos = pos
            elif open_pos is not None:
                spans.append(_make_span(body, open_pos, pos, pi, continued))
                open_pos, continued = None, False
            first_mark_seen = True
        carry = False
        if open_pos is not None:
            spans.append(_make_span(body, open_pos, None, pi, continued, pe))
            carry = True
    return [s for s in spans if s.end > s.start and _LETTER_RE.search(body, s.start, s.end)]


def _make_span(body, open_pos, close_pos, para, continued, para_end=None):
    start = open_pos + 1
    end = close_pos if close_pos is not None else para_end
    while end > start and body[end - 1] in " ,\t":
        end -= 1
    while start < end and body[start] == " ":
        start += 1
    return QuoteSpan(start, end, open_pos, close_pos, para, continued)


class _Masker:
    """Answers 'is this position inside a quote (marks included)?' by bisection."""

    def __init__(self, spans: list[QuoteSpan], body_len: int):
        self.starts = [s.open_pos for s in spans]
        self.ends = [(s.close_pos + 1) if s.close_pos is not None else s.end for s in spans]

    def __call__(self, pos: int) -> bool:
        if not self.starts:
            return False
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]


def _words_before(body: str, lo: int, hi: int) -> list[re.Match]:
    return list(_WORD_RE.finditer(body, lo, hi))


def _np_before(body: str, lo: int, cue_start: int) -> tuple[int, int] | None:
    """Speaker phrase that ends right before a cue verb, searched back to ``lo``."""
    hi = cue_start
    text = body[lo:hi]
    # drop auxiliaries/adverbs between subject and verb ("also said", "has previously said")
    while True:
        stripped = text.rstrip()
        m = _LAST_WORD_RE.search(stripped)
        if m and (m.group(1).lower() in _SKIP_BEFORE_CUE or (m.group(1).endswith("ly") and m.group(1).islower()
                                                              and len(m.group(1)) > 4)):
            text = stripped[: m.start()]
            continue
        # a trailing parenthetical such as (D-Mass.) or a date phrase "in 2022"/"on Sunday"
        m2 = _TRAILING_PAREN_RE.search(stripped) or _TRAILING_DATE_RE.search(stripped)
        if m2:
            text = stripped[: m2.start()]
            continue
        text = stripped
        break
    end = lo + len(text)
    if end <= lo:
        return None
    if text.endswith(","):
        # apposition: "X, now deputy chairman of ..., said" / "A lieutenant colonel, 60-year-old Oleksandr, told"
        inner_end = end - 1
        prev_comma = body.rfind(",", lo, inner_end)
        app_start = (prev_comma + 1) if prev_comma >= 0 else lo
        appositive = body[app_start:inner_end].strip()
        first = appositive.split()[0] if appositive else ""
        if prev_comma >= 0 and appositive and not _PARTY_RE.match(appositive) and (
                first[0].isdigit() or (first[0].isupper() and first.lower() not in _DETERMINERS)) and len(appositive.split()) <= 5:
            s = app_start + (len(body[app_start:inner_end]) - len(body[app_start:inner_end].lstrip()))
            return s, inner_end
        if prev_comma < 0:
            return None
        return _walk_np(body, lo, prev_comma)
    return _walk_np(body, lo, end)


def _walk_np(body: str, lo: int, end: int) -> tuple[int, int] | None:
    words = _words_before(body, lo, end)
    if not words:
        return None
    # the phrase must touch `end` (no punctuation between)
    if body[words[-1].end():end].strip():
        return None
    start_idx = len(words)
    i = len(words) - 1
    while i >= 0:
        w = words[i].group()
        wl = w.lower().rstrip(".")
        if i < len(words) - 1 and body[words[i].end():words[i + 1].start()].strip():
            break  # punctuation between words ends the phrase
        if wl in _POST_MODIFIER_PREPS and start_idx < len(words) and i > 0 and len(words) - i < 8:
            # "officials familiar with the plan", "a spokesperson for Sen. Wyden": the head noun is before
            head = words[i - 1].group()
            if head.lower() in _MODIFIED_HEADS or (wl == "for" and head.lower().startswith("spokes")):
                i -= 1
                continue
        if wl in _NP_STOP or w[0].isdigit() and not _AGE_RE.match(w):
            break
        start_idx = i
        if wl in _DETERMINERS and i >= 2 and words[i - 1].group().lower() in _POST_MODIFIER_PREPS and \
                words[i - 2].group().lower() in _MODIFIED_HEADS and len(words) - i < 8:
            i -= 2  # "officials familiar with | the plan": continue to the head noun
            continue
        if wl in _DETERMINERS or len(words) - i >= 8:
            break
        i -= 1
    if start_idx == len(words):
        return None
    return words[start_idx].start(), words[-1].end()


def _np_after(body: str, start: int, hi: int, stops=None) -> tuple[int, int] | None:
    """Inverted speaker: 'said Sen. Elizabeth Warren (D-Mass.), who ...'."""
    stops = _INVERTED_STOP if stops is None else stops
    words = _words_before(body, start, hi)
    out = []
    for i, m in enumerate(words):
        w = m.group()
        if i > 0 and body[words[i - 1].end():m.start()].strip():
            break
        if w.lower() in stops and not (w.lower() == "of" and i + 1 < len(words)):
            break
        out.append(m)
        if len(out) >= 8 or w.endswith(".") and len(w) > 4 and not w[0].isupper():
            break
    if not out:
        return None
    return out[0].start(), out[-1].end().__int__() if not body[out[-1].end() - 1] == "." or out[-1].group()[:-1].lower() in nm.TITLE_WORDS or len(out[-1].group()) <= 3 else out[-1].end() - 1


def _sentence_subject(body: str, s_start: int, s_end: int, masked) -> tuple[int, int] | None:
    persons = nm.person_mentions(body, s_start, s_end, masked)
    if persons:
        return persons[0][0], persons[0][1]
    return _walk_forward_np(body, s_start, s_end)


def _walk_forward_np(body: str, lo: int, hi: int) -> tuple[int, int] | None:
    words = _words_before(body, lo, hi)
    out = []
    for m in words[:6]:
        w = m.group()
        wl = w.lower()
        if out and (wl in _NP_STOP or (w.islower() and wl not in _DETERMINERS and not out[-1].group()[0].isupper()
                                        and len(out) >= 2)
                    or (w.islower() and len(w) > 3 and w.endswith(("ed", "ized", "ised")))):
            break  # a past-tense verb ends the subject: "Republicans criticized the rule, saying ..."
        if wl in _NP_STOP:
            return None
        out.append(m)
        if w.endswith(","):
            break
    if not out:
        return None
    return out[0].start(), out[-1].end() - (1 if out[-1].group().endswith(",") else 0)


def find_frames(body: str, s_start: int, s_end: int, masked, quotes_in_sentence, cues=None) -> list[Frame]:
    """Every cue verb outside quotes in one sentence, with its speaker phrase. ``cues``: the sentence's
    cue matches when already found by one pass over the body."""
    frames = []
    for m in (_CUE_RE.finditer(body, s_start, s_end) if cues is None else cues):
        if masked(m.start()):
            continue
        cue = m.group(1)
        if cue == "According to":
            cue = "according to"
        # search boundary: don't cross a quote that ends before the cue
        lo = s_start
        for q in quotes_in_sentence:
            qe = (q.close_pos + 1) if q.close_pos is not None else q.end
            if qe <= m.start():
                lo = max(lo, qe)
        if cue == "according to":
            span = _np_after(body, m.end() + 1, s_end, stops=frozenset({"who", "which", "that"}))
            kind = "according_to"
        elif cue in ("saying", "calling"):
            span = _sentence_subject(body, s_start, m.start(), masked)
            kind = "participial"
        else:
            span = _np_before(body, lo, m.start())
            kind = "subject"
            if span is None:
                nxt = body[m.end():m.end() + 1]
                if nxt == " ":
                    span = _np_after(body, m.end() + 1, s_end)
                    kind = "inverted"
            elif cue in ("say", "tell", "ask") or (cue.endswith("ed") is False and cue in {"claims", "states", "notes"}):
                pass
        if span is None:
            continue
        np_text = body[span[0]:span[1]]
        if not np_text.strip() or np_text.strip().lower() in {"it", "this", "that", "which", "who"} and cue != "according to":
            continue
        frames.append(Frame(m.start(), m.end(), cue, span[0], span[1], np_text, kind))
    return frames


_CONFIDENCE = {"explicit": 0.9, "pronoun": 0.75, "colon": 0.7, "carry_over": 0.6, "introduced": 0.6,
               "unresolved": 0.2}


class _Speakers:
    """Who has been speaking or mentioned so far in the article, for pronouns and short names."""

    def __init__(self, body: str, masked, sent_spans):
        self.body = body
        self._masked, self._sent_spans = masked, sent_spans
        self._mentions = None  # person mentions of the whole body, found on first need
        self.events: list[tuple[int, str, bool]] = []  # (pos, name, is_person) of resolved speakers

    def _scan(self) -> None:
        mentions = nm.person_mentions(self.body, 0, len(self.body), self._masked)
        self._full_names = [n for _, _, n in mentions if " " in n]
        self._singles = {n for _, _, n in mentions if " " not in n}
        self._surnames = {n.split()[-1] for n in self._full_names}
        # sentence subjects that are persons: (pos, name)
        firsts = {}
        starts = [s for s, _ in self._sent_spans]
        for s, _, n in mentions:
            i = bisect.bisect_right(starts, s) - 1
            firsts.setdefault(i, (s, n))
        self._subjects = sorted(firsts.values())
        self._mentions = mentions

    @property
    def full_names(self) -> list[str]:
        if self._mentions is None:
            self._scan()
        return self._full_names

    @property
    def singles(self) -> set[str]:
        if self._mentions is None:
            self._scan()
        return self._singles

    @property
    def subjects(self) -> list[tuple[int, str]]:
        if self._mentions is None:
            self._scan()
        return self._subjects

    def canonical(self, name: str) -> str:
        return name if " " in name else nm.expand_name(name, self.full_names)

    def is_known_person(self, name: str) -> bool:
        return name in self.singles or name in self._surnames

    def recent(self, pos: int, person: bool) -> str | None:
        best_pos, best = -1, None
        for p, n, is_p in self.events:
            if p < pos and is_p == person and p > best_pos:
                best_pos, best = p, n
        if person:
            i = bisect.bisect_left(self.subjects, (pos, "")) - 1
            if i >= 0 and self.subjects[i][0] > best_pos:
                best = self.canonical(self.subjects[i][1])
        return best

    def resolve(self, np_text: str, pos: int) -> tuple[str | None, str, bool]:
        low = np_text.strip().lower()
        if low in nm.PRONOUNS:
            person = nm.PRONOUNS[low] == "person"
            return self.recent(pos, person), "pronoun", person
        if _ROLE_RE.match(low):  # "the senator added": the person last named, like "he"
            named = self.recent(pos, True) or self.recent(pos, False)
            if named:
                return named, "pronoun", True
        name, is_person = nm.name_from_np(np_text)
        if name and not is_person and " " not in name and name[:1].isupper() and self.is_known_person(name):
            is_person = True
        if name and is_person:
            name = self.canonical(name)
        return name, "explicit", is_person


def _content_after_cue(body: str, frame: Frame, s_end: int) -> tuple[int, int] | None:
    start = frame.cue_end
    m = _THAT_RE.match(body[start:s_end])
    audience = _AUDIENCE_RE.match(body, start, s_end) if frame.cue in ("told", "tells") else None
    if m and m.group() and "that" in m.group():
        start += m.end()
    elif audience and _CLAUSE_START_RE.match(body, audience.end(), s_end):
        start = audience.end()  # "told reporters the subpoenas would go out": the clause after the audience
    elif frame.cue in ("told", "tells") or frame.cue not in _THAT_OPTIONAL:
        return None  # "claimed annexation", "asserted a claim": an object, not reported speech
    end = s_end
    while end > start and body[end - 1] in ".”\"’ ":
        end -= 1
    while start < end and body[start] in " ,:":
        start += 1
    if len(body[start:end].split()) < 4:
        return None
    return start, end


_TAIL_RE = re.compile(r"\s*(?:(?:on|in|at|during|after|late|early)\s+)?(?:(?:a|an|the)\s+)?[\w’'-]*(?:\s+[\w’'-]+){0,3}?"
                      r"\s*[.!?]?[”\"’]?\s*$")


def _content_before_frame(body: str, frame: Frame, s_start: int, s_end: int) -> tuple[int, int] | None:
    """Reported clause that comes first: "The program will cost $400 billion, its director, Mark Zandi,
    said Wednesday." The frame must end the sentence (a short time/place tail at most) and be set off by
    a comma; the content runs from the sentence start to the first comma of that frame."""
    if not _TAIL_RE.match(body, frame.cue_end, s_end) or "that" in body[frame.cue_end:s_end].split():
        return None
    head = body[s_start:frame.np_start]
    # the first comma after which only the frame's phrase (an apposition, <= 6 words) remains
    for m in re.finditer(",", head):
        if len(head[m.end():].split()) <= 6:
            return (s_start, s_start + m.start()) if m.start() > 0 else None
    return None


def extract_quotes(article_id: str, body: str, sent_spans: list[tuple[int, int]]) -> list[dict]:
    paras = paragraph_spans(body)
    qspans = find_quote_spans(body, paras)
    masked = _Masker(qspans, len(body))
    sent_starts = [s for s, _ in sent_spans]

    def sent_of(pos: int) -> int:
        return max(0, bisect.bisect_right(sent_starts, pos) - 1)

    by_sent: dict[int, list[QuoteSpan]] = {}
    for q in qspans:
        for si in {sent_of(q.open_pos), sent_of(q.close_pos if q.close_pos is not None else q.end)}:
            by_sent.setdefault(si, []).append(q)
    speakers = _Speakers(body, masked, sent_spans)
    para_of_pos = [p for p, _ in paras]

    def para_of(pos: int) -> int:
        return max(0, bisect.bisect_right(para_of_pos, pos) - 1)

    rows: list[dict] = []
    resolved_frames: dict[int, tuple[str | None, str, bool]] = {}
    frames_by_sent: dict[int, list[Frame]] = {}
    quote_iter = iter(qspans)
    pending = next(quote_iter, None)
    used_frames: set[int] = set()
    last_quote_by_para: dict[int, dict] = {}

    def frame_speaker(f: Frame):
        if f.cue_start not in resolved_frames:
            res = speakers.resolve(f.np_text, f.cue_start)
            resolved_frames[f.cue_start] = res
            if res[0]:
                speakers.events.append((f.cue_start, res[0], res[2]))
        return resolved_frames[f.cue_start]

    # one pass of the cue-verb pattern over the body; sentences without a cue skip frame search entirely
    cues_by_sent: dict[int, list[re.Match]] = {}
    for m in _CUE_RE.finditer(body):
        si = sent_of(m.start())
        if sent_spans and sent_spans[si][0] <= m.start() and m.end() <= sent_spans[si][1]:
            cues_by_sent.setdefault(si, []).append(m)
    for si, (ss, se) in enumerate(sent_spans):
        cues = cues_by_sent.get(si)
        frames = find_frames(body, ss, se, masked, by_sent.get(si, []), cues) if cues else []
        frames_by_sent[si] = frames
        for f in frames:
            frame_speaker(f)
        # quotes that close (or run out) in this sentence are attributed now, when their frames are known
        while pending is not None and sent_of(pending.close_pos if pending.close_pos is not None else pending.end) <= si:
            q = pending
            pending = next(quote_iter, None)
            row = _attribute(body, q, sent_spans, sent_of, frames_by_sent, frame_speaker, speakers,
                             last_quote_by_para, para_of, paras, masked, used_frames)
            if row is None:
                continue
            row.update(article_id=article_id, sentence_no=sent_of(q.open_pos))
            rows.append(row)
            last_quote_by_para[q.para] = row

    # indirect speech and 'according to': frames not used by a full direct quote
    for si, frames in frames_by_sent.items():
        ss, se = sent_spans[si]
        for f in frames:
            if f.cue_start in used_frames or (f.cue not in INDIRECT_VERBS and f.kind != "according_to"
                                              and f.cue != "saying"):
                continue
            if f.kind == "according_to":
                if f.cue_start - ss < 3:  # "According to X, ..."
                    comma = body.find(",", f.np_end, se)
                    span = (comma + 1, se) if comma > 0 else None
                else:
                    span = (ss, body.rfind(",", ss, f.cue_start)) if body.rfind(",", ss, f.cue_start) > ss else None
                kind = "according_to"
            elif f.kind == "inverted":
                comma = body.rfind(",", ss, f.cue_start)
                span = (ss, comma) if comma > ss and not by_sent.get(si) else None
                kind = "indirect"
            else:
                span = _content_after_cue(body, f, se)
                if span is None and f.kind == "subject":
                    span = _content_before_frame(body, f, ss, se)
                kind = "indirect"
            if span is None:
                continue
            s, e = span
            while s < e and body[s] in " ,":
                s += 1
            while e > s and body[e - 1] in " .,”\"":
                e -= 1
            if len(body[s:e].split()) < 4:
                continue
            # the content is, or contains, a quote: the quote row carries this attribution (a mixed quote
            # "said the talks had been “candid”" is one attribution, not two)
            if any(q.open_pos >= s - 1 and q.start <= e for q in by_sent.get(si, [])):
                continue
            name, resolution, _ = frame_speaker(f)
            rows.append(dict(article_id=article_id, sentence_no=si, char_start=s, char_end=e,
                             quote_text=body[s:e], kind=kind, cue_verb=f.cue, speaker_text=f.np_text,
                             speaker_start=f.np_start, speaker_end=f.np_end, speaker_name=name,
                             speaker_resolution=resolution if name else "unresolved",
                             confidence=0.6 if name else 0.2))
    rows.sort(key=lambda r: (r["char_start"], r["kind"]))
    for i, r in enumerate(rows):
        r["quote_id"] = f"{article_id}:q{i}"
        r["sentence_id"] = f"{article_id}:s{r['sentence_no']}"
    return rows


def _attribute(body, q, sent_spans, sent_of, frames_by_sent, frame_speaker, speakers, last_quote_by_para,
               para_of, paras, masked, used_frames):
    si_open = sent_of(q.open_pos)
    close = q.close_pos if q.close_pos is not None else q.end
    si_close = sent_of(close)
    s_start = sent_spans[si_open][0]
    prefix = body[s_start:q.open_pos]
    prefix_stripped = prefix.rstrip()
    full = q.continued or not prefix_stripped or prefix_stripped.endswith((":", ",", "—", "–")) or \
        q.open_pos == paras[q.para][0]
    # a quote running to the end of its paragraph is a full quote even after "said"
    kind = "direct" if full else "partial"
    after = [f for f in frames_by_sent.get(si_close, []) if f.cue_start >= close]
    before = [f for f in frames_by_sent.get(si_open, []) if f.cue_end <= q.open_pos]
    before.sort(key=lambda f: -f.cue_end)
    immediate = [f for f in after if not body[close + 1:min(f.cue_start, f.np_start)].strip(" ,\n")
                 and min(f.cue_start, f.np_start) - close < 6]
    chosen, resolution = None, None
    order = (immediate, before, after) if kind == "direct" else (before, immediate, after)
    for group in order:
        if group:
            chosen = group[0]
            break
    name, is_person = None, False
    if chosen is not None:
        name, resolution, is_person = frame_speaker(chosen)
        if kind == "direct":
            used_frames.add(chosen.cue_start)
        sp = (chosen.np_start, chosen.np_end, chosen.np_text, chosen.cue)
    else:
        sp = (None, None, None, None)
        if prefix_stripped.endswith(":") and len(prefix_stripped) > 2:
            # "The statement from the Justice Department read: “...”": the source named after the document
            doc = _DOCUMENT_FROM_RE.search(body, s_start, q.open_pos)
            span = doc.span(1) if doc else _sentence_subject(body, s_start, q.open_pos, masked)
            if span:
                name, resolution, is_person = speakers.resolve(body[span[0]:span[1]], span[0])
                resolution = "colon" if resolution == "explicit" else resolution
                sp = (span[0], span[1], body[span[0]:span[1]], None)
        if name is None and kind == "direct":
            prev_same = last_quote_by_para.get(q.para)
            if prev_same and prev_same["speaker_name"]:
                name, resolution = prev_same["speaker_name"], "carry_over"
            elif q.para > 0:
                pp_start, pp_end = paras[q.para - 1]
                prev_para_text = body[pp_start:pp_end].rstrip()
                prev_quote = last_quote_by_para.get(q.para - 1)
                persons = nm.person_mentions(body, pp_start, pp_end, masked) + [
                    (m.start(), m.end(), m.group()) for m in _CAP_WORD_RE.finditer(body, pp_start, pp_end)
                    if speakers.is_known_person(m.group()) and not masked(m.start())]
                persons.sort()
                if prev_para_text.endswith(":"):
                    fr = [f for i in range(sent_of(pp_start), sent_of(pp_end) + 1) for f in frames_by_sent.get(i, [])]
                    if fr:
                        name, resolution, is_person = frame_speaker(fr[-1])
                        resolution = "colon"
                    elif persons:
                        name, resolution = speakers.canonical(persons[0][2]), "colon"
                if name is None and prev_quote is None and persons:
                    last_sent = sent_of(pp_end - 1)
                    in_last = [p for p in persons if sent_of(p[0]) == last_sent] or persons
                    name, resolution = speakers.canonical(in_last[0][2]), "introduced"
                if name is None:
                    for back in (1, 2):
                        pq = last_quote_by_para.get(q.para - back)
                        if pq and pq["speaker_name"]:
                            name, resolution = pq["speaker_name"], "carry_over"
                            break
    if kind == "partial" and name is None and len(body[q.start:q.end].split()) <= 4:
        return None  # scare quotes and titles, not speech
    if kind == "partial" and _TITLE_CASE_RE.match(body, q.start, q.end):
        return None  # a show, book or slogan title ("told NBC's “Meet the Press”"), not speech
    return dict(char_start=q.start, char_end=q.end, quote_text=body[q.start:q.end], kind=kind,
                cue_verb=sp[3], speaker_text=sp[2], speaker_start=sp[0], speaker_end=sp[1],
                speaker_name=name, speaker_resolution=resolution if name else "unresolved",
                confidence=_CONFIDENCE.get(resolution if name else "unresolved", 0.5))

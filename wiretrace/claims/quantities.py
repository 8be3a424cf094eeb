"""Numbers with their qualifier and unit/object: "more than 1,200 bodies", "nearly 3 million people",
"a dozen kilometres", "three-year offensive". Number words and digit formats normalise to one value."""

import re
from functools import lru_cache

from wiretrace.claims.normalize import STOPWORDS, fold_word

_SMALL = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
           "trillion": 1_000_000_000_000}
QUALIFIERS = ("more than", "less than", "fewer than", "at least", "up to", "as many as", "close to",
              "just over", "just under", "upwards of", "an estimated", "nearly", "almost", "around", "about",
              "some", "roughly", "approximately", "over", "under", "estimated", "only", "at most")
MONTHS = ("january february march april may june july august september october november december "
          "jan feb mar apr jun jul aug sep sept oct nov dec").split()

_WORD_NUM = (r"(?:(?:" + "|".join(sorted(list(_SMALL) + list(_TENS), key=len, reverse=True)) + r")"
             r"(?:-(?:" + "|".join(k for k in _SMALL if _SMALL[k] < 10 and _SMALL[k] > 0) + r"))?"
             r"|a\s+dozen|half\s+a\s+dozen|a\s+hundred|a\s+thousand|dozen)(?![\w])")
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_SCALE = r"(?:\s+(?:hundred|thousand|million|billion|trillion)\b)*"
QUANTITY_RE = re.compile(
    r"(?<![\w.,$-])(?:(?P<qual>" + "|".join(QUALIFIERS) + r")\s+)?(?P<cur>\$|€|£)?"
    r"(?P<num>" + _DIGITS + r"|" + _WORD_NUM + r")(?P<scale>" + _SCALE + r")"
    r"(?P<pct>\s*(?:%|percent\b|per\s+cent\b))?"
    r"(?P<hyph>-(?P<hunit>[a-z]+(?:-old)?))?",
    re.IGNORECASE,
)
# The same pattern without IGNORECASE, run on the lowercased body: case-insensitive matching of the
# qualifier and number-word alternations is what made this the slowest regex of the stage (~2.5x).
_QUANTITY_LOWER_RE = re.compile(QUANTITY_RE.pattern)
# Where a match can start, found without running the big pattern at every position (sre tries its whole
# alternation at each character): digits by a cheap class scan, number words by str.find, then a
# reversed pattern read leftwards from the number over the optional "a"/"half a", currency sign and
# qualifier. QUANTITY_RE itself still decides every match (same matches as its finditer).
_DIGIT_RUN_RE = re.compile(r"\d+")
_TEENS = frozenset(w for w in _SMALL if w.endswith("teen"))
# "teen" is found once for the seven -teen words
_CORE_WORDS = tuple(sorted((set(_SMALL) - _TEENS) | set(_TENS) | {"dozen", "hundred", "thousand", "teen"}))
_BACK_RE = re.compile(r"(?:\s+a(?:\s+flah)?)?[$€£]?(?:\s+(?:" + "|".join(q[::-1] for q in QUALIFIERS) + r"))?")
_WORD_CHARS = re.compile(r"\w")


def _core_positions(lowered: str) -> list[int]:
    cores = [m.start() for m in _DIGIT_RUN_RE.finditer(lowered)]
    for word in _CORE_WORDS:
        i = lowered.find(word)
        while i >= 0:
            if word == "teen":  # thirteen ... nineteen: back up to the start of the word
                start = i
                while start > 0 and lowered[start - 1].isalpha():
                    start -= 1
                if lowered[start:i + 4] in _TEENS:
                    cores.append(start)
            elif i == 0 or not lowered[i - 1].isalnum():
                cores.append(i)
            i = lowered.find(word, i + len(word))
    cores.sort()
    return cores


def _quantity_matches(lowered: str):
    pos = 0
    for core in _core_positions(lowered):
        if core < pos:
            continue
        lo = max(pos, core - 40)
        back = _BACK_RE.match(lowered[lo:core][::-1])
        m = _QUANTITY_LOWER_RE.search(lowered, core - back.end())
        if m is None:
            return
        yield m
        pos = max(m.end(), m.start() + 1)


_CLOCK_RE = re.compile(r"\s*[ap]\.?m\.?\b", re.IGNORECASE)
_SLASH_RE = re.compile(r"[:/]\d")
_MONTH_BEFORE = re.compile(r"\b(?:" + "|".join(MONTHS) + r")\.?\s*$", re.IGNORECASE)
_MONTH_AFTER = re.compile(r"^\s*(?:" + "|".join(MONTHS) + r")\b", re.IGNORECASE)
_NEXT_WORDS = re.compile(r"\s+([a-z][a-z’'-]*)(?:\s+([a-z][a-z’'-]*))?")
_OBJECT_BEFORE = re.compile(r"([a-z]+)\s+of\s*$")
_NOT_A_COUNT = frozenset("of another other thing day time".split())


@lru_cache(maxsize=50_000)
def words_to_number(text: str) -> float | None:
    words = re.split(r"[\s-]+", text.lower().strip())
    if words[:2] == ["half", "a"] and words[2:3] == ["dozen"]:
        return 6.0
    total, current = 0.0, 0.0
    seen = False
    for w in words:
        if w in ("a", "an", "and"):
            current = current or 1.0 if w != "and" else current
            continue
        if w == "dozen":
            current = (current or 1.0) * 12
        elif w in _SMALL:
            current += _SMALL[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred":
            current = (current or 1.0) * 100
        elif w in _SCALES:
            total += (current or 1.0) * _SCALES[w]
            current = 0.0
        else:
            try:
                current += float(w.replace(",", ""))
            except ValueError:
                return None
        seen = True
    return total + current if seen else None


def extract_quantities(article_id: str, body: str) -> list[dict]:
    rows = []
    lowered = body.lower()
    # str.lower() keeps offsets except for a few letters (Turkish dotted I): then match case-insensitively
    matches = _quantity_matches(lowered) if len(lowered) == len(body) else QUANTITY_RE.finditer(body)
    for m in matches:
        num = m.group("num")
        is_digits = num[0].isdigit()
        value = words_to_number(num + (m.group("scale") or ""))
        if value is None:
            continue
        before, after = body[max(0, m.start() - 12):m.start()], body[m.end():m.end() + 14]
        if is_digits and (_MONTH_BEFORE.search(before) or _MONTH_AFTER.match(after)):
            continue  # a day of a date: "June 2", "2 June"
        if _CLOCK_RE.match(after) or _SLASH_RE.match(after):
            continue  # clock times, 9/11
        unit = None
        if m.group("pct"):
            unit = "percent"
        elif m.group("hunit"):
            unit = body[m.start("hunit"):m.end("hunit")]
        else:
            nxt = _NEXT_WORDS.match(body, m.end())
            if nxt:
                w1, w2 = nxt.group(1), nxt.group(2)
                if w1 not in STOPWORDS and not w1.endswith("ed") or (w1.endswith("ed") and w2 and w2 not in STOPWORDS):
                    unit = w2 if (w2 and w2 not in STOPWORDS and not w1.endswith("s")) else w1
                    if unit.endswith("ed") or unit in STOPWORDS:
                        unit = w1 if w1 not in STOPWORDS else None
        if unit is None:
            ob = _OBJECT_BEFORE.search(body, max(0, m.start() - 40), m.start())
            if ob:
                unit = ob.group(1)
        if m.group("cur"):
            unit = {"$": "dollars", "€": "euros", "£": "pounds"}[m.group("cur")]
        # bare years are dates, not quantities; "one of", "one another" are not counts
        if is_digits and not m.group("scale") and "," not in num and 1800 <= value <= 2100 and value == int(value) \
                and not (unit and unit.endswith("s") and unit not in ("was", "has", "is")):
            continue
        if not is_digits and value < 2 and (unit is None or unit in _NOT_A_COUNT):
            continue
        qual = (m.group("qual") or "").lower() or None
        if qual in ("some", "about", "over", "under", "only") and not (is_digits or m.group("scale") or value >= 10):
            qual_ok = False
        else:
            qual_ok = True
        start = m.start() if (qual and qual_ok) else m.start("cur") if m.group("cur") else m.start("num")
        if not qual_ok:
            qual = None
        end = m.end()
        unit_norm = fold_word(unit) if unit else None
        if unit_norm and len(unit_norm) > 3 and unit_norm.endswith("ies"):
            unit_norm = unit_norm[:-3] + "y"
        elif unit_norm and unit_norm.endswith("s") and len(unit_norm) > 3 and not unit_norm.endswith("ss"):
            unit_norm = unit_norm[:-1]
        rows.append(dict(article_id=article_id, char_start=start, char_end=end, surface=body[start:end],
                         value=float(value), unit=unit, qualifier=qual,
                         normalised=(f"{value:.0f}" if value == int(value) else f"{value:g}") + (f" {unit_norm}" if unit_norm else "")))
    return rows

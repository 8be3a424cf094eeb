"""Date expressions resolved against the article's publication date, with their granularity.

Relative expressions ("Sunday", "last week", "yesterday") need the publication date; absolute ones
("June 2, 2025", "February 2022", "in 2014") do not. A week-granularity date names the first day of a
seven-day window: "last week" = the seven days before publication, "next week" = the seven after.
"""

import calendar
import datetime as dt
import re

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
_MONTH_RE = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|" \
            r"Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
# every alternative starts a word: the leading \b lets the engine skip mid-word positions (2.5x faster)
DATE_RE = re.compile(
    rf"(?=[A-Za-z\d])\b(?:(?P<md>{_MONTH_RE}\s+{_DAY}\b(?:,?\s+(?P<md_y>(?:19|20)\d\d)\b)?)"
    rf"|(?P<dm>\b{_DAY}\s+{_MONTH_RE}(?:,?\s+(?P<dm_y>(?:19|20)\d\d)\b)?)"
    rf"|(?P<my>{_MONTH_RE}\s+(?P<my_y>(?:19|20)\d\d)\b)"
    rf"|(?P<rel>\b(?P<rel_dir>last|next|this|past)\s+(?P<rel_unit>week|weekend|month|year)\b)"
    rf"|(?P<wd>\b(?:(?P<wd_dir>last|next|this)\s+)?(?P<wd_name>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)"
    rf"|(?P<deix>\b(?:yesterday|today|tonight)\b)"
    rf"|(?:\b(?:in|In|since|Since|late|early|mid|of|by|until|the)\s+(?P<yr>(?:19|20)\d\d)\b(?![,.]\d))"
    rf"|(?:\b(?:in|In|since|Since|late|early|by|until)\s+(?P<mon>{_MONTH_RE})(?!\s+\d)))",
)


# Every date contains a digit, a month or weekday name, or one of these words; the big pattern is only
# tried in a short window around such anchors (found by str.find / a digit scan), not at every position.
_ANCHOR_WORDS = tuple(sorted({m for m in re.findall(r"[A-Z][a-z]+", _MONTH_RE)} | set(calendar.day_name)
                             | {"last", "next", "this", "past", "yesterday", "today", "tonight"}))
_DIGIT_RE = re.compile(r"\d+")
_BEFORE, _AFTER = 16, 48  # longest prefix before an anchor ("Since ", "last "), longest match after it


def _date_matches(body: str):
    """Same matches as DATE_RE.finditer(body)."""
    anchors = [m.start() for m in _DIGIT_RE.finditer(body)]
    for word in _ANCHOR_WORDS:
        i = body.find(word)
        while i >= 0:
            anchors.append(i)
            i = body.find(word, i + len(word))
    anchors.sort()
    pos = 0
    for anchor in anchors:
        if anchor < pos:
            continue
        m = DATE_RE.search(body, max(pos, anchor - _BEFORE), min(len(body), anchor + _AFTER))
        if m is None or m.start() > anchor:
            continue  # no date through this anchor (a later one is found from its own anchor)
        yield m
        pos = m.end()


def _month_num(text: str) -> int:
    return _MONTHS[text.lower().rstrip(".")]


def _nearest_year(month: int, day: int, pub: dt.date) -> dt.date | None:
    best = None
    for y in (pub.year - 1, pub.year, pub.year + 1):
        try:
            d = dt.date(y, month, min(day, calendar.monthrange(y, month)[1]))
        except ValueError:
            continue
        # news dates without a year are mostly in the recent past; allow a month ahead
        score = (pub - d).days if d <= pub else 4 * (d - pub).days
        if best is None or score < best[0]:
            best = (score, d)
    return best[1] if best else None


def date_interval(resolved: dt.date | None, granularity: str) -> tuple[dt.date, dt.date] | None:
    if resolved is None:
        return None
    if granularity == "day":
        return resolved, resolved
    if granularity == "week":
        return resolved, resolved + dt.timedelta(days=6)
    if granularity == "month":
        return resolved.replace(day=1), resolved.replace(day=calendar.monthrange(resolved.year, resolved.month)[1])
    return dt.date(resolved.year, 1, 1), dt.date(resolved.year, 12, 31)


def extract_dates(article_id: str, body: str, published: dt.date | None) -> list[dict]:
    rows = []
    for m in _date_matches(body):
        resolved, gran, relative = None, "day", False
        if m.group("md") or m.group("dm"):
            text = m.group("md") or m.group("dm")
            mon = _month_num(re.search(_MONTH_RE, text).group())
            day = int(re.search(r"\b\d{1,2}", text).group())
            year = m.group("md_y") or m.group("dm_y")
            if year:
                try:
                    resolved = dt.date(int(year), mon, day)
                except ValueError:
                    continue
            elif published:
                resolved = _nearest_year(mon, day, published)
        elif m.group("my"):
            resolved, gran = dt.date(int(m.group("my_y")), _month_num(m.group("my").split()[0]), 1), "month"
        elif m.group("rel"):
            relative, unit, direction = True, m.group("rel_unit"), m.group("rel_dir").lower()
            gran = "week" if unit == "weekend" else unit
            if published:
                sign = {"last": -1, "past": -1, "next": 1, "this": 0}[direction]
                if gran == "week":
                    if unit == "weekend":
                        # the Saturday of this week's weekend (the one under way on a Saturday/Sunday)
                        saturday = published + dt.timedelta(days=5 - published.weekday())
                        resolved = saturday + dt.timedelta(days=7 * sign)
                    else:
                        resolved = published + dt.timedelta(days=-7 if sign < 0 else 1 if sign > 0 else -3)
                elif gran == "month":
                    y, mo = divmod(published.year * 12 + published.month - 1 + sign, 12)
                    resolved = dt.date(y, mo + 1, 1)
                else:
                    resolved = dt.date(published.year + sign, 1, 1)
        elif m.group("wd"):
            relative = True
            if published:
                target = _WEEKDAYS[m.group("wd_name").lower()]
                direction = (m.group("wd_dir") or "").lower()
                back = (published.weekday() - target) % 7
                if direction == "next":
                    resolved = published + dt.timedelta(days=(target - published.weekday()) % 7 or 7)
                elif direction == "last":
                    resolved = published - dt.timedelta(days=back or 7)
                else:
                    resolved = published - dt.timedelta(days=back)
        elif m.group("deix"):
            relative = True
            if published:
                resolved = published - dt.timedelta(days=1 if m.group("deix").lower() == "yesterday" else 0)
        elif m.group("yr"):
            resolved, gran = dt.date(int(m.group("yr")), 1, 1), "year"
        elif m.group("mon"):
            relative, gran = True, "month"
            if published:
                resolved = _nearest_year(_month_num(m.group("mon")), 1, published)
        start, end = m.span("yr") if m.group("yr") else m.span("mon") if m.group("mon") else m.span()
        rows.append(dict(article_id=article_id, char_start=start, char_end=end, surface=body[start:end],
                         resolved_date=resolved, granularity=gran, relative=relative))
    return rows

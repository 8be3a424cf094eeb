"""Metadata helpers: wire-agency normalisation, date lines, datelines, URL dates.

All functions are pure and per-string; the line engine (``lines.py``) decides where to call them.
"""

import re
from datetime import date

# Agency spellings → the normalised credit stored in clean.articles.wire_credit.
_AGENCIES = {
    "afp": "AFP", "agence france-presse": "AFP", "agence france presse": "AFP", "afp-jiji": "AFP",
    "afp relaxnews": "AFP",
    "ap": "AP", "associated press": "AP", "the associated press": "AP", "ap photo": "AP",
    "reuters": "Reuters", "thomson reuters": "Reuters",
    "dpa": "dpa", "efe": "EFE", "ansa": "ANSA", "xinhua": "Xinhua", "anadolu": "Anadolu",
    "anadolu agency": "Anadolu", "upi": "UPI", "tass": "TASS", "ria novosti": "RIA Novosti",
    "pti": "PTI", "ians": "IANS", "kyodo": "Kyodo", "yonhap": "Yonhap", "bloomberg": "Bloomberg",
    "aap": "AAP", "ani": "ANI", "lusa": "Lusa", "belga": "Belga", "apa": "APA", "sda": "SDA",
    "ats": "ATS", "ctk": "ČTK", "pap": "PAP", "mti": "MTI", "tt": "TT", "ntb": "NTB",
    "ritzau": "Ritzau", "stt": "STT", "jiji": "Jiji", "bernama": "Bernama", "antara": "Antara",
}


def normalise_agency(text: str | None) -> str | None:
    """'Agence France-Presse' → 'AFP'; None if the text is not a known wire agency."""
    if not text:
        return None
    key = re.sub(r"\s+", " ", text.strip().strip("()-–—©. ").lower())
    key = re.sub(r"\s*\d{4}$", "", key)
    return _AGENCIES.get(key)


_MONTHS = {
    # en
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
    # fr
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12,
    # de
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "juni": 6, "juli": 7, "oktober": 10,
    "dezember": 12,
    # es / pt / it
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "janeiro": 1, "fevereiro": 2, "março": 3, "maio": 5, "junho": 6, "julho": 7, "setembro": 9,
    "outubro": 10, "novembro": 11, "dezembro": 12, "gennaio": 1, "febbraio": 2, "aprile": 4,
    "maggio": 5, "giugno": 6, "luglio": 7, "settembre": 9, "ottobre": 10, "dicembre": 12,
}
_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))

_DATE_PATTERNS = [
    # 2025-06-08, 2025/06/08
    (re.compile(r"\b(?P<y>(?:19|20)\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})\b"), "ymd"),
    # June 08, 2025 / Jun. 8 2025 / Tue., Nov. 19, 2019
    (re.compile(rf"\b(?P<mon>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{{2}})\b", re.I), "mdy"),
    # 13 June 2025 / 22 de outubro de 2010 / 8. Juni 2025
    (re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?(?P<mon>{_MONTH_RE})\.?,?\s+(?:de\s+)?(?P<y>(?:19|20)\d{{2}})\b", re.I), "dmy"),
    # 05/10/2018 (day first: the form used outside the US; ambiguous dates are rare in date lines)
    (re.compile(r"\b(?P<d>\d{1,2})[/.](?P<m>\d{1,2})[/.](?P<y>(?:19|20)\d{2})\b"), "dmy_num"),
]

# Words that may surround a date on a line that holds nothing else (labels, weekdays, times, zones).
_DATE_LINE_FILLER = re.compile(
    r"(?i)\b(?:published|updated|posted|modified|last updated|first published|date|on|at|am|pm|a\.m\.|p\.m\.|"
    r"utc|gmt|[a-z]{2,4}t|edt|est|cet|cest|bst|ist|msk|"
    r"mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rs|rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?|"
    r"publié|mis à jour|le|veröffentlicht|aktualisiert|am|um|publicado|actualizado|atualizado|em|às|de|"
    r"pubblicato|aggiornato|il|alle|"
    r"segunda-feira|terça-feira|quarta-feira|quinta-feira|sexta-feira|sábado|domingo|"
    r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|montag|dienstag|mittwoch|donnerstag|freitag|"
    r"samstag|sonntag|기사입력|입력|수정|발행)\b|\d{1,2}[:h]\d{2}(?::\d{2})?|[\[\]():,.\-–—|•*·]|\s+|기사입력|입력"
)


def parse_date(text: str) -> date | None:
    """The first calendar date written in ``text`` (several common forms and languages)."""
    best = None
    for pattern, kind in _DATE_PATTERNS:
        m = pattern.search(text)
        if not m:
            continue
        try:
            y = int(m.group("y"))
            if kind in ("ymd", "dmy_num"):
                mo = int(m.group("m"))
            else:
                mo = _MONTHS[m.group("mon").lower()]
            d = int(m.group("d"))
            found = (m.start(), date(y, mo, d))
        except (ValueError, KeyError):
            continue
        if best is None or found[0] < best[0]:
            best = found
    return best[1] if best else None


def date_line_value(line: str) -> date | None:
    """The date if ``line`` is a date line (a date plus only labels/weekdays/times), else None."""
    if len(line) > 80 or ("19" not in line and "20" not in line):  # every date form holds a 19xx/20xx year
        return None
    found = parse_date(line)
    if found is None:
        return None
    rest = line
    for pattern, _ in _DATE_PATTERNS:
        rest = pattern.sub(" ", rest)
    rest = _DATE_LINE_FILLER.sub("", rest)
    return found if len(rest) <= 3 else None


_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|-|$)")


def date_from_url(url: str | None) -> date | None:
    """'/2025/06/08/' style dates in article URLs."""
    if not url:
        return None
    m = _URL_DATE.search(url)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


# 'MOSCOW - ', 'KYIV — ', 'PARIS (AFP) - ', 'Washington, June 8 (Reuters) - ', 'BERLIN: '
_DATELINE = re.compile(
    r"^(?P<place>[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’.\- ]{1,40}?|[A-Z][a-zà-ÿ'’.\- ]{2,30}?)"
    r"(?:,\s*[A-Za-z][\w.]*(?:\s+\d{1,2})?)?"
    r"\s*(?:\((?P<agency>[A-Za-z][\w .-]{1,30})\))?\s*(?:[-–—]{1,2}|:)\s+(?=\S)"
)


def split_dateline(paragraph: str) -> tuple[str, str | None] | None:
    """(place, agency) if the paragraph opens with a dateline, else None.

    A lowercase place ('Washington') is only accepted when an agency credit follows it, so that an
    ordinary sentence opening ('Meanwhile - ...') is not mistaken for a place.
    """
    m = _DATELINE.match(paragraph)
    if not m:
        return None
    place = m.group("place").strip(" .-")
    agency = m.group("agency")
    if not place.isupper() and not agency:
        return None
    if len(place.split()) > 4:
        return None
    return place, agency

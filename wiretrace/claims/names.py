"""Person and organisation names in news text: title stripping, person mentions, name normalisation."""

import re
from functools import lru_cache

from wiretrace.claims.normalize import TOKEN_RE

TITLE_WORDS = frozenset(
    """president vice sen senator rep representative gov governor secretary minister prime speaker leader
    majority minority chief mayor attorney general judge justice dr mr mrs ms miss gen col lt sgt capt adm
    maj rev prof ambassador chairman chairwoman chair commissioner director deputy press spokesman
    spokeswoman spokesperson former ex lieutenant colonel sheriff officer detective pope king queen prince
    princess foreign defense defence interior health treasury house senate white state homeland
    security national council adviser advisor aide counsel u.s us u.s. american ukrainian russian british
    chinese french german israeli palestinian iranian democratic republican democrat gop independent
    federal first lady sir lord dame premier chancellor commander top senior then-president
    then-senator assistant acting interim special envoy presidential candidate nominee congressman
    congresswoman councilman councilwoman""".split()
)

ORG_WORDS = frozenset(
    """ministry department house senate congress party council army command times post news agency
    office committee commission institute university administration republic union court government
    forces force police service bank company corp inc association foundation center centre organization
    organisation group network campaign coalition federation guard navy reuters afp ap cnn fox
    democrats republicans region oblast street road city county state states peninsula river sea ocean
    bay province district kremlin pentagon nato un eu journal tribune herald telegraph press club
    board authority fund corporation institute school hospital airport station war church party's
    ministry's people's workers association""".split()
)

_NON_NAME_FIRST = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december the a an in on at but and or if when while after before
    as this that these those it its he she they we i his her their there here both some many all
    several earlier later asked meanwhile however still yet also""".split()
)

PRONOUNS = {"he": "person", "she": "person", "him": "person", "her": "person", "they": "group",
            "it": "org", "we": "group", "i": "person"}

# Capitalised runs: "Volodymyr Zelensky", "Karine Jean-Pierre", "Sen. Elizabeth Warren".
_CAP_TOKEN = r"(?:[A-Z][\w’'\-]*\.?|(?:de|van|von|bin|al|la|le|da|del|der)(?=\s+[A-Z]))"
# the capital is matched before the word-start check (same as a leading \b, but the engine can skip ahead)
_CAP_RUN_RE = re.compile(rf"[A-Z](?<!\w[A-Z])[\w’'\-]*\.?(?:\s+{_CAP_TOKEN})*")
_AGE_BEFORE_RE = re.compile(r"\d+-year-old\s*$")


def _clean_token(tok: str) -> str:
    return tok.rstrip(".").lower()


def strip_titles(run: str) -> str:
    """'Ukrainian President Volodymyr Zelensky' -> 'Volodymyr Zelensky'."""
    toks = run.split()
    while toks and (_clean_token(toks[0]) in TITLE_WORDS or toks[0].rstrip(".").isupper() and len(toks) > 1):
        toks = toks[1:]
    # a trailing possessive belongs to what follows ("Russia's"), not to a name
    return " ".join(toks)


@lru_cache(maxsize=200_000)
def is_person_run(run: str, titled: bool = False) -> bool:
    """A capitalised run that looks like a person's name (after titles are stripped)."""
    toks = run.split()
    if not toks or len(toks) > 4:
        return False
    if any(_clean_token(t) in ORG_WORDS for t in toks):
        return False
    if any(t.endswith(("'s", "’s")) for t in toks):
        return False
    if toks[0].lower() in _NON_NAME_FIRST:
        return False
    if any(t.isupper() and len(t) > 1 for t in toks):  # acronyms: NATO, AFP
        return False
    return len(toks) >= 2 or titled


@lru_cache(maxsize=200_000)
def _name_of_run(run: str) -> tuple[str, bool]:
    """(name, titled) of a capitalised run: titles stripped, a trailing possessive token dropped."""
    stripped = strip_titles(run)
    toks = stripped.split()
    while toks and toks[-1].endswith(("'s", "’s")):
        toks = toks[:-1]
    return " ".join(toks), stripped != run


@lru_cache(maxsize=200_000)
def _run_person(run: str) -> tuple[str, int, bool, bool]:
    """(name, offset of the name in the run, person if untitled, person if titled) of a capitalised run."""
    name, titled = _name_of_run(run)
    if not name:
        return "", 0, False, False
    offset = run.rfind(name) if name in run else 0
    return name, offset, is_person_run(name, titled), is_person_run(name, True)


def person_mentions(text: str, start: int, end: int, masked) -> list[tuple[int, int, str]]:
    """Person-name mentions (start, end, name) in text[start:end], skipping masked (quoted) positions."""
    out = []
    age_before = _AGE_BEFORE_RE.search
    for m in _CAP_RUN_RE.finditer(text, start, end):
        run = m.group().rstrip(".")
        name, offset, person, person_if_titled = _run_person(run)
        if not person_if_titled:
            continue
        ms = m.start()
        if not person:
            # a single word is a person only after an age ("60-year-old Oleksandr")
            if not age_before(text, max(0, ms - 16), ms):
                continue
        if masked(ms):
            continue
        s = ms + offset
        out.append((s, s + len(name), name))
    return out


@lru_cache(maxsize=100_000)
def name_from_np(np_text: str) -> tuple[str | None, bool]:
    """(name, is_person) from a speaker noun phrase; None for a bare pronoun."""
    np_text = np_text.strip(" ,")
    low = np_text.lower()
    if low in PRONOUNS:
        return None, PRONOUNS[low] == "person"
    runs = list(_CAP_RUN_RE.finditer(np_text))
    # a name at the end of the phrase wins ("White House press secretary Karine Jean-Pierre"); else any
    # person-like run ("Rep. Jim Jordan of Ohio")
    for at_end_only in (True, False):
        found = _person_run(np_text, runs, at_end_only)
        if found:
            return found, True
    # an organisation or a described group: the phrase itself without its article
    words = [w for w in np_text.split()]
    while words and words[0].lower() in {"the", "a", "an"}:
        words = words[1:]
    return (" ".join(words) or None), False


def _person_run(np_text: str, runs, at_end_only: bool) -> str | None:
    for m in reversed(runs):
        run = m.group().rstrip(".")
        stripped = strip_titles(run)
        toks = stripped.split()
        while toks and toks[-1].endswith(("'s", "’s")):
            toks = toks[:-1]
        name = " ".join(toks)
        titled = stripped != run or bool(_AGE_BEFORE_RE.search(np_text[: m.start()]))
        if name and (not at_end_only or m.end() >= len(np_text.rstrip(".")) - 1) and is_person_run(name, titled):
            return name
    return None


def expand_name(name: str, known_full: list[str]) -> str:
    """'Zelensky' -> 'Volodymyr Zelensky' when a longer name ending the same way was seen earlier."""
    if " " in name:
        return name
    for full in reversed(known_full):
        if full.split()[-1] == name and full != name:
            return full
    return name


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text)

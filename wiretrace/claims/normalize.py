"""Token and name normalisation shared by extraction and alignment.

Two jobs: make spelling conventions compare equal (British/American suffixes, transliteration
alternations such as g/h in Lugansk/Luhansk), and decide when two different-looking names are still
the same name. The rules are generic (suffix and letter-class rules), not lists of known pairs.
"""

import re
import unicodedata
from functools import lru_cache

# Word tokens with their offsets; keeps "1,200", "3.5", "Jean-Pierre", "Russia's", "U.S" together.
TOKEN_RE = re.compile(r"[^\W_]+(?:[’'\-.,][^\W_]+)*", re.UNICODE)

STOPWORDS = frozenset(
    """a an the and or but of in on at to for from by with as that this these those it its is are was
    were be been being has have had will would could should may might can do does did not no than then
    there their they them he she his her him we our us i you your which who whom whose what when where
    while also so if into over under about after before since until just only very more most such
    s""".split()
)

_BRITISH_SUFFIXES = (
    # (pattern, replacement): British -> American spelling, applied to lowercase words.
    (re.compile(r"(?<=\w{3})is(e|es|ed|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"(?<=\w{2})ys(e|es|ed|ing)$"), r"yz\1"),
    (re.compile(r"(?<=\w{3})our(s|ed|ing|ite|ites|able)?$"), r"or\1"),
    (re.compile(r"(?<=\w)(t|b)re(s|d)?$"), r"\1er\2"),
    (re.compile(r"(?<=\w)(fen|cen|ten)ce(s)?$"), r"\1se\2"),
    (re.compile(r"(?<=\w)ogue(s)?$"), r"og\1"),
)
_DOUBLE_LETTER = re.compile(r"(\w)\1+")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """Lowercase word with spelling conventions folded (recognise=recognize, defence=defense, ...)."""
    w = strip_accents(word.translate(_APOSTROPHES)).lower()
    if w.endswith("'s"):
        w = w[:-2]
    w = w.replace("'", "")
    if len(w) > 4 and w.endswith(_SUFFIX_ENDINGS) and w.isalpha():
        for pattern, repl in _BRITISH_SUFFIXES:
            w = pattern.sub(repl, w)
    return _DOUBLE_LETTER.sub(r"\1", w)


# every ending a _BRITISH_SUFFIXES rule can rewrite (a cheap test before six regex substitutions)
_SUFFIX_ENDINGS = ("ise", "ises", "ised", "ising", "isation", "isations", "yse", "yses", "ysed", "ysing",
                   "our", "ours", "oured", "ouring", "ourite", "ourites", "ourable", "tre", "tres", "tred",
                   "bre", "bres", "bred", "ence", "ences", "ogue", "ogues")


_TRANSLIT_RULES = (
    ("kh", "h"), ("gh", "g"), ("dzh", "j"), ("zh", "j"), ("tch", "ch"), ("ts", "c"), ("tz", "c"),
    ("ph", "f"), ("w", "v"), ("x", "ks"), ("ck", "k"), ("q", "k"), ("g", "h"), ("j", "y"),
    ("iy", "i"), ("yi", "i"), ("ij", "i"), ("y", "i"), ("ie", "e"), ("'", ""), ("-", ""), (".", ""),
)
_VOWELS = set("aeiou")


@lru_cache(maxsize=100_000)
def fold_name(name: str) -> str:
    """Phonetic-ish key for a proper name: transliteration alternations collapse to one spelling."""
    s = strip_accents(name.translate(_APOSTROPHES)).lower()
    if s.endswith("'s"):
        s = s[:-2]
    for a, b in _TRANSLIT_RULES:
        s = s.replace(a, b)
    return _DOUBLE_LETTER.sub(r"\1", s)


def _levenshtein(a: str, b: str) -> int:
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(a, b)


@lru_cache(maxsize=100_000)  # slot conflicts compare the same few names across every pair of a story's variants
def names_equivalent(a: str, b: str) -> bool:
    """True when two names differ only by spelling/transliteration convention.

    Same folded key, or one vowel edit on names of five letters or more with an identical consonant
    skeleton (Kiev/Kyiv, Zelensky/Zelenskyy). A consonant change (Mezhyra/Mezhova: r->v) is a different
    name, as is anything further apart.
    """
    fa, fb = fold_name(a), fold_name(b)
    if fa == fb:
        return True
    if min(len(a), len(b)) < 4:
        return False
    skel_a = "".join(c for c in fa if c not in _VOWELS)
    skel_b = "".join(c for c in fb if c not in _VOWELS)
    return skel_a == skel_b and _levenshtein(fa, fb) <= 1


def content_tokens(text: str) -> list[str]:
    """Folded, stopword-free tokens: the alignment view of a sentence."""
    out = []
    for m in TOKEN_RE.finditer(text):
        w = fold_word(m.group())
        if w and w not in STOPWORDS:
            out.append(w)
    return out


@lru_cache(maxsize=100_000)
def speaker_key(name: str | None) -> str | None:
    """Spelling-insensitive key of a speaker name: case, apostrophes, possessive 's, British/American
    spelling and transliteration folded ("Russia’s defence ministry" = "Russia's Defense Ministry")."""
    if not name:
        return None
    return " ".join(fold_name(fold_word(m.group())) for m in TOKEN_RE.finditer(name)) or None


def _typographic(text: str) -> str:
    return text.translate(_APOSTROPHES)


def canonicalise_speakers(quotes: list[dict], article_order: dict[str, int]) -> None:
    """Give every speaker of one story one canonical ``speaker_name`` per spelling-insensitive key.

    The canonical form is the one used by the most articles of the story (typographic apostrophes
    compared as equal), ties to the earliest article; ``speaker_text`` keeps each article's own form.
    Sets ``speaker_key`` on every row (in place).
    """
    forms: dict[str, dict[str, list]] = {}
    for q in quotes:
        key = q["speaker_key"] = speaker_key(q.get("speaker_name"))
        if key is None:
            continue
        form = forms.setdefault(key, {}).setdefault(_typographic(q["speaker_name"]), [set(), None])
        order = article_order.get(q["article_id"], 0)
        form[0].add(q["article_id"])
        if form[1] is None or (order, q["char_start"]) < form[1][0]:
            form[1] = ((order, q["char_start"]), q["speaker_name"])
    canonical = {}
    for key, variants in forms.items():
        if len(variants) == 1:
            continue
        _, (_, surface) = max(variants.values(), key=lambda v: (len(v[0]), [-x for x in v[1][0]]))
        canonical[key] = surface
    if canonical:
        for q in quotes:
            if q["speaker_key"] in canonical:
                q["speaker_name"] = canonical[q["speaker_key"]]

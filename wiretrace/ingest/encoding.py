"""Turning bytes into text: BOM, strict UTF-8, the declared charset, then charset-normalizer.

Binary junk is refused here (:class:`NotText`) so that every later step can assume real text.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import charset_normalizer

# Legacy encodings news sites actually use. Restricting charset-normalizer to them avoids exotic
# look-alikes (iso8859_10, mac_latin2, hp_roman8...) that it otherwise picks for short Western texts.
NEWS_ENCODINGS = [
    "cp1252", "iso8859_15", "cp1250", "iso8859_2", "cp1251", "koi8_r", "koi8_u", "iso8859_5",
    "cp1253", "iso8859_7", "cp1254", "iso8859_9", "cp1255", "iso8859_8", "cp1256", "iso8859_6",
    "cp1257", "iso8859_13", "cp1258", "cp874", "tis_620", "shift_jis", "euc_jp", "iso2022_jp",
    "gb18030", "gbk", "big5", "euc_kr",
]
# On a near-tie charset-normalizer's order is arbitrary; prefer the encodings
# most common on the web, so Spanish/Italian cp1252 is not read as cp1250 (ñ→ń, à→ŕ).
_PREFERENCE = {name: rank for rank, name in enumerate(NEWS_ENCODINGS)}
# chaos (mess) separates wrong code pages well; coherence (letter frequencies) is noisy on short texts
# (Italian scores 0.59 as Vietnamese cp1258 and 0.565 as cp1252), so it gets a wider tolerance.
_CHAOS_TOLERANCE = 0.01
_COHERENCE_TOLERANCE = 0.1

# Letters beyond ASCII of the languages news in legacy code pages is written in (lowercase).
_ALPHABETS = [frozenset(letters) for letters in (
    "àâæçéèêëîïôœùûüÿ",  # French
    "áéíñóúü", "àèéìíîòóùú", "ãõáâàçéêíóôú", "äöüß", "áéíóúëïöüè", "åäöé", "æøåé", "áðéíóúýþæö",
    "àçèéíïòóúü",  # Catalan
    "ąćęłńóśźż", "áčďéěíňóřšťúůýž", "áäčďéíĺľňóôŕšťúýž", "áéíóöőúüű", "ăâîșțşţ", "čćđšž",
    "çğıöşüâî",  # Turkish
    "ąčęėįšųūž", "āčēģīķļņšūž", "äöõüšž",
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя", "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'",
    "абвгдђежзијклљмнњопрстћуфхцчџш", "αβγδεζηθικλμνξοπρστυφχψωάέήίόύώϊϋΐΰς",
    "אבגדהוזחטיכךלמםנןסעפףצץקרשת", "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأؤإئةى",
)]
_FIT_SAMPLE_BYTES = 65536

# WHATWG: labels for Latin-1 and ASCII mean windows-1252.
_DECLARED_ALIASES = {"latin_1": "cp1252", "iso8859_1": "cp1252", "ascii": "cp1252"}

_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"RIFF", "a RIFF (WebP/WAV/AVI) file"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or DOCX/XLSX)"),
    (b"\x7fELF", "an executable (ELF)"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"\x00\x00\x01\x00", "an icon file"),
    (b"OggS", "an Ogg media file"),
    (b"ID3", "an MP3 file"),
    (b"SQLite format 3\x00", "an SQLite database"),
]

_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\x80-\x9f\ufffd]")
_CONTROL_SAMPLE_CHARS = 1 << 20
_META_CHARSET_RE = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)


class NotText(Exception):
    """The bytes are binary, not text; ``str(exc)`` says why, for a human."""


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # a Python codec name; decoding raw_bytes with it gives text back (BOM included)


def normalise_charset(label: str | None) -> str | None:
    """A Python codec name for a declared charset label, or None when the label is unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'").lower()).name
    except (LookupError, ValueError):
        return None
    name = name.replace("-", "_")
    name = _DECLARED_ALIASES.get(name, name)
    if name in ("utf_16", "utf_32", "utf_16_le", "utf_16_be"):
        return None  # a page declaring UTF-16 in ASCII is lying; BOM detection handles real UTF-16
    return name


def meta_charset(head: bytes) -> str | None:
    """The charset of an HTML ``<meta charset>`` / http-equiv tag in the first 4 KB, if any."""
    match = _META_CHARSET_RE.search(head[:4096])
    return normalise_charset(match.group(1).decode("ascii")) if match else None


def binary_signature(data: bytes) -> str | None:
    for magic, label in _MAGIC:
        if data.startswith(magic):
            return label
    return None


def _bom(data: bytes) -> str | None:
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf_32"
    if data.startswith(codecs.BOM_UTF8):
        return "utf_8_sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf_16"
    return None


def _bomless_utf16(sample: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII-range text leaves NULs on one byte parity only."""
    if len(sample) < 8:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    if odd_nuls > 0.3 * half and even_nuls < 0.02 * half:
        return "utf_16_le"
    if even_nuls > 0.3 * half and odd_nuls < 0.02 * half:
        return "utf_16_be"
    return None


def _control_ratio(text: str) -> float:
    sample = text[:_CONTROL_SAMPLE_CHARS]
    if not sample:
        return 0.0
    return len(_CONTROL_RE.findall(sample)) / len(sample)


def _alphabet_fit(data: bytes, encoding: str) -> float:
    """Share of the non-ASCII letters (and combining marks) of the decoded sample that belong to the
    alphabet of one single language: right code pages spell one language, wrong ones mix alphabets
    (Hungarian ő read as cp1252 gives Portuguese õ next to German ö)."""
    text = data[:_FIT_SAMPLE_BYTES].decode(encoding, errors="replace").lower()
    counts = Counter(ch for ch in text if ord(ch) > 127 and (ch.isalpha() or unicodedata.category(ch).startswith("M")))
    total = sum(counts.values())
    if not total:
        return 1.0
    return max(sum(n for ch, n in counts.items() if ch in alphabet) for alphabet in _ALPHABETS) / total


def _guess(data: bytes) -> str | None:
    matches = charset_normalizer.from_bytes(data, cp_isolation=NEWS_ENCODINGS)
    best = matches.best()
    if best is None:
        return None
    tied = [
        m for m in matches
        if m.chaos <= best.chaos + _CHAOS_TOLERANCE and m.coherence >= best.coherence - _COHERENCE_TOLERANCE
    ]
    order: dict[str, int] = {}
    for position, match in enumerate(tied):
        for name in [match.encoding, *match.could_be_from_charset]:
            order.setdefault(name, position)
    if len(order) == 1:
        return best.encoding
    # Best alphabet fit first; then charset-normalizer's own order; then the web-frequency preference.
    return min(order, key=lambda name: (-round(_alphabet_fit(data, name), 3), order[name],
                                        _PREFERENCE.get(name, len(_PREFERENCE))))


def decode_bytes(data: bytes, declared: str | None = None, *, max_control_ratio: float = 0.05) -> Decoded:
    """Decode ``data``: BOM, then strict UTF-8, then ``declared`` (HTTP header / meta tag), then
    charset-normalizer. Raises :class:`NotText` for binary data."""
    signature = binary_signature(data)
    if signature:
        raise NotText(f"the content starts with the signature of {signature}, not text")
    encoding = _bom(data)
    head = data[:65536]
    if encoding is None and b"\x00" in head:
        encoding = _bomless_utf16(head)
        if encoding is None:
            raise NotText("the content contains NUL bytes, which text files never do")
    if encoding is None:
        try:
            text = data.decode("utf_8")
            encoding = "utf_8"
        except UnicodeDecodeError:
            text = None
        if text is None and declared:
            try:
                text = data.decode(declared)
                encoding = declared
            except (UnicodeDecodeError, LookupError):
                text = None
        if text is None:
            encoding = _guess(data)
            if encoding is None:
                raise NotText("no text encoding fits the bytes (neither UTF-8 nor a known legacy charset)")
            text = data.decode(encoding, errors="replace")
    else:
        text = data.decode(encoding, errors="replace")
    ratio = _control_ratio(text)
    if ratio > max_control_ratio:
        raise NotText(
            f"{ratio:.0%} of the characters decoded as {encoding} are control or undecodable characters"
        )
    return Decoded(text=text, encoding=codecs.lookup(encoding).name)

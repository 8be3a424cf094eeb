"""Encoding detection: BOMs, strict UTF-8, declared charsets, legacy Cyrillic and Western code pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from wiretrace.ingest import scan_inbox
from wiretrace.ingest.encoding import NotText, decode_bytes, meta_charset

from .builders import FRENCH, ITALIAN, RUSSIAN, SPANISH, html_article


def test_cp1251_russian_article_decodes_to_cyrillic(tmp_path: Path) -> None:
    (tmp_path / "ria.txt").write_bytes(RUSSIAN.encode("cp1251"))
    row = scan_inbox(tmp_path).documents.row(0, named=True)
    assert row["encoding"] == "cp1251"
    assert row["raw_text"] == RUSSIAN
    assert "Днепропетровскую" in row["raw_text"]
    assert row["raw_bytes"] == RUSSIAN.encode("cp1251")


def test_koi8r_is_not_mistaken_for_cp1251() -> None:
    decoded = decode_bytes(RUSSIAN.encode("koi8_r"))
    assert decoded.text == RUSSIAN


@pytest.mark.parametrize("text", [SPANISH, ITALIAN, FRENCH], ids=["es", "it", "fr"])
@pytest.mark.parametrize("codec", ["latin-1", "cp1252"])
def test_western_legacy_text_decodes_exactly(text: str, codec: str) -> None:
    decoded = decode_bytes(text.encode(codec))
    assert decoded.text == text, decoded.encoding
    assert decoded.encoding in ("cp1252", "iso8859-15")


def test_cp1252_smart_quotes_and_dashes() -> None:
    text = "Le « ministre » a dit : “c’est fini” — vraiment… l’été dernier, à Nîmes."
    assert decode_bytes(text.encode("cp1252")).text == text


def test_polish_cp1250_stays_cp1250() -> None:
    text = ("Rząd w Warszawie ogłosił w czwartek, że przedłuży program dopłat do samochodów elektrycznych. "
            "Zażółć gęślą jaźń, powiedział minister.")
    assert decode_bytes(text.encode("cp1250")).text == text


@pytest.mark.parametrize("codec,expected", [("utf-16", "utf-16"), ("utf-32", "utf-32"), ("utf-8-sig", "utf-8-sig")])
def test_byte_order_marks(codec: str, expected: str) -> None:
    text = "Жители Межевой эвакуированы — residents of Mezhova evacuated."
    data = text.encode(codec)
    decoded = decode_bytes(data)
    assert (decoded.text, decoded.encoding) == (text, expected)
    assert data.decode(decoded.encoding) == decoded.text  # raw_bytes round-trip with the recorded codec


def test_utf16_big_endian_with_bom() -> None:
    text = "Big-endian UTF-16 with a BOM."
    data = b"\xfe\xff" + text.encode("utf-16-be")
    assert decode_bytes(data).text == text


def test_utf16_without_bom_is_recognised_not_called_binary() -> None:
    text = "Plain English text stored as UTF-16LE without a byte-order mark, as some exporters do."
    decoded = decode_bytes(text.encode("utf-16-le"))
    assert (decoded.text, decoded.encoding) == (text, "utf-16-le")


def test_declared_charset_is_used_when_bytes_are_not_utf8(tmp_path: Path) -> None:
    page = html_article("Новости", RUSSIAN, "koi8-r")
    assert meta_charset(page) == "koi8_r"
    (tmp_path / "p.html").write_bytes(page)
    row = scan_inbox(tmp_path).documents.row(0, named=True)
    assert (row["encoding"], row["title_hint"]) == ("koi8-r", "Новости")
    assert RUSSIAN in row["raw_text"]


def test_utf8_wins_over_a_wrong_declaration() -> None:
    page = html_article("Café", "Crème brûlée à Paris.", "utf-8").replace(b"utf-8", b"iso-8859-1")
    decoded = decode_bytes(page, meta_charset(page))
    assert decoded.encoding == "utf-8" and "Crème brûlée" in decoded.text


@pytest.mark.parametrize("data,fragment", [
    (b"\x89PNG\r\n\x1a\n" + bytes(100), "PNG"),
    (b"%PDF-1.7\n" + bytes(range(256)), "PDF"),
    (b"text with a \x00 NUL byte inside", "NUL"),
    (bytes(range(1, 32)) * 20, "control"),
])
def test_binary_is_refused_with_a_reason(data: bytes, fragment: str) -> None:
    with pytest.raises(NotText, match=fragment):
        decode_bytes(data)


def test_every_document_round_trips_its_bytes(tmp_path: Path) -> None:
    samples = {
        "ru.txt": RUSSIAN.encode("cp1251"), "es.txt": SPANISH.encode("latin-1"),
        "bom.txt": SPANISH.encode("utf-8-sig"), "u16.md": ("# Título\n" + SPANISH).encode("utf-16"),
        "it.html": html_article("Notizie", ITALIAN, "windows-1252"),
    }
    for name, data in samples.items():
        (tmp_path / name).write_bytes(data)
    docs = scan_inbox(tmp_path).documents
    assert docs.height == len(samples)
    for row in docs.to_dicts():
        assert row["raw_bytes"] == samples[row["source_path"]]
        assert row["raw_bytes"].decode(row["encoding"]) == row["raw_text"]
    assert docs.filter(docs["source_path"] == "u16.md")["title_hint"].item() == "Título"


LEGACY_NEWS = [
    ("de", "cp1252", "Die Bundesregierung hat am Donnerstag beschlossen, die Förderung für Elektroautos zu verlängern. "
                     "Größere Städte müssen Maßnahmen ergreifen, sagte Müller."),
    ("pt", "cp1252", "O presidente não disse à imprensa que a situação está pior. São Paulo é a maior cidade, e há "
                     "muitas questões."),
    ("sv", "cp1252", "Regeringen meddelade på torsdagen att stödet för elbilar förlängs. Göteborg och Malmö påverkas."),
    ("cs", "cp1250", "Vláda v pondělí schválila návrh zákona, který počítá se zvýšením daní. Příští týden bude "
                     "jednání pokračovat."),
    ("hu", "cp1250", "A kormány csütörtökön bejelentette, hogy meghosszabbítja az elektromos autók támogatását. "
                     "Győr és Pécs is érintett."),
    ("ro", "cp1250", "Guvernul a anunţat joi că va prelungi programul de sprijin. Ministrul a declarat că măsurile "
                     "sunt necesare în această perioadă."),
    ("pl", "iso8859_2", "Rząd w Warszawie ogłosił w czwartek, że przedłuży program dopłat do samochodów elektrycznych."),
    ("uk", "cp1251", "Уряд України заявив у четвер, що продовжить програму підтримки. Міністр оборони зустрівся з "
                     "військовими."),
    ("bg", "cp1251", "Правителството обяви в четвъртък, че ще удължи програмата за подкрепа на електрическите автомобили."),
    ("ru", "iso8859_5", RUSSIAN),
    ("el", "cp1253", "Η κυβέρνηση ανακοίνωσε την Πέμπτη ότι θα παρατείνει το πρόγραμμα στήριξης για τα ηλεκτρικά "
                     "αυτοκίνητα."),
    ("tr", "cp1254", "Hükümet perşembe günü elektrikli otomobiller için destek programını uzatacağını açıkladı. "
                     "Ankara'da toplantı yapıldı."),
    ("he", "cp1255", "הממשלה הודיעה ביום חמישי כי תאריך את תוכנית התמיכה במכוניות חשמליות."),
    ("ar", "cp1256", "أعلنت الحكومة يوم الخميس أنها ستمدد برنامج دعم السيارات الكهربائية."),
    ("ja", "shift_jis", "政府は木曜日、電気自動車の支援プログラムを延長すると発表した。東京で会議が開かれた。"),
    ("zh", "gb18030", "政府周四宣布将延长电动汽车支持计划。北京举行了会议。"),
    ("ko", "euc_kr", "정부는 목요일 전기차 지원 프로그램을 연장한다고 발표했다. 서울에서 회의가 열렸다."),
]


@pytest.mark.parametrize("language,codec,text", LEGACY_NEWS, ids=[case[0] for case in LEGACY_NEWS])
def test_legacy_news_encodings_decode_exactly(language: str, codec: str, text: str) -> None:
    decoded = decode_bytes(text.encode(codec))
    assert decoded.text == text, (language, decoded.encoding)

"""Line rules: patterns, captions, metadata lifting, markdown, frequency, accounting, HTML guards."""

from datetime import date

import polars as pl

from wiretrace.clean import clean_documents
from wiretrace.clean.frequency import story_clusters, story_fingerprint
from wiretrace.clean.markup import strip_markdown_line
from wiretrace.clean.metadata import date_line_value, normalise_agency, split_dateline
from wiretrace.clean.patterns import load_patterns

PROSE = ("The council met on Tuesday to discuss the new budget, which includes funds for {x} schools and "
         "a bridge across the river that engineers say is long overdue.")


def _docs(texts, outlet="o", content_type="text", ids=None):
    return pl.DataFrame([{"document_id": (ids[i] if ids else f"d{i}"), "outlet": outlet,
                          "content_type": content_type, "raw_text": t, "source_url": None,
                          "title_hint": None, "published_hint": None} for i, t in enumerate(texts)])


def test_pattern_list_has_ids_comments_and_matches_whole_lines_only():
    ps = load_patterns()
    assert len({p.id for p in ps.patterns}) == len(ps.patterns)
    assert all(p.comment for p in ps.patterns)
    for line in ["Leave a Reply", "Back to top button", "Related Articles", "Continue reading",
                 "Subscribe now to keep reading and get access to the full archive.", "No Comment",
                 "Thank you for reading! For more, visit Example.com", "Follow us on Facebook and Twitter"]:
        assert ps.match(line) is not None, line
    for sentence in ["He said he would leave a reply to the letter on Monday after the vote.",
                     "Ukrainian military personnel previously told AFP that Russia could advance.",
                     "The related articles were published by the council in 2019 and 2020."]:
        assert ps.match(sentence) is None, sentence


def test_caption_goes_body_sentence_stays():
    sent = "The minister said the new bridge would open to traffic in the spring of next year after delays."
    text = "\n\n".join(["Bridge to open next spring", sent + " **Telegram / Jane Doe**", PROSE.format(x=3), sent,
                       PROSE.format(x=4)])
    res = clean_documents(_docs([text]))
    body = res.articles["body"][0]
    assert sent in body.split("\n\n")
    assert "Jane Doe" not in body
    assert res.removed_lines.filter(pl.col("reason_code") == "caption").height == 1


def test_plain_repeated_list_lines_are_not_captions():
    text = "\n\n".join([PROSE.format(x=1), "Portion: 1 Green, 1 Red, 1 Yellow", PROSE.format(x=2),
                       "Portion: 1 Green, 1 Red, 1 Yellow, 1 Orange"])
    res = clean_documents(_docs([text]))
    assert res.removed_lines.height == 0


def test_metadata_lifting_from_head_and_tail():
    text = "\n".join(["World", "", "Ministers agree on a new budget for schools", "",
                      "A deal that took three months to negotiate", "", "By Jane Doe", "", "June 8, 2025", "",
                      "PARIS (AFP) - " + PROSE.format(x=2), "", PROSE.format(x=5), "", "Original url:", "",
                      "<https://example.com/2025/06/08/budget>", "", "© AFP"])
    art = clean_documents(_docs([text])).articles.to_dicts()[0]
    assert art["section"] == "World"
    assert art["title"] == "Ministers agree on a new budget for schools"
    assert art["dek"] == "A deal that took three months to negotiate"
    assert art["byline"] == "Jane Doe"
    assert art["published_date"] == date(2025, 6, 8) and art["published_source"] == "text"
    assert art["dateline"] == "PARIS"
    assert art["wire_credit"] == "AFP"
    assert art["canonical_url"] == "https://example.com/2025/06/08/budget"
    assert art["body"].startswith("PARIS (AFP) - ")


def test_metadata_helpers():
    assert normalise_agency("-Agence France-Presse") == "AFP"
    assert normalise_agency("The Associated Press") == "AP"
    assert normalise_agency("told AFP") is None
    assert date_line_value("Tue., Nov. 19, 2019") == date(2019, 11, 19)
    assert date_line_value("sexta-feira, 22 de outubro de 2010 às 20:13") == date(2010, 10, 22)
    assert date_line_value("It happened on June 8, 2025 in Kyiv.") is None
    assert split_dateline("KYIV — For the first time") == ("KYIV", None)
    assert split_dateline("Meanwhile - the talks went on") is None


def test_markdown_stripping():
    assert strip_markdown_line("Russia [said](#) Sunday") == ("Russia said Sunday", False)
    assert strip_markdown_line("# **Title** here") == ("Title here", True)
    assert strip_markdown_line("See <https://a.example/x>") == ("See https://a.example/x", False)
    assert strip_markdown_line("![photo](https://a.example/p.jpg)") == ("", False)
    assert strip_markdown_line("snake_case_name stays") == ("snake_case_name stays", False)
    res = clean_documents(_docs(["# Head line of the story\n\n" + PROSE.format(x=1).replace("council", "[council](#)")
                                 + "\n\n---\n\n" + PROSE.format(x=2)], content_type="markdown"))
    body = res.articles["body"][0]
    assert "[council](#)" not in body and "the council met" in body.lower()
    assert res.removed_lines.filter(pl.col("reason_code") == "markup").height == 1


def _story(seed: int) -> list[str]:
    import random
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 8))) for _ in range(400)]
    return [" ".join(rng.choice(words) for _ in range(18)).capitalize() + "." for _ in range(6)]


FOOTER = ["Get the Gazette briefing every weekday", "Advertise | Careers | Contact"]


def test_frequency_counts_distinct_stories_not_copies():
    stories = ["\n\n".join(_story(s) + FOOTER) for s in range(4)]
    copy = "\n\n".join(_story(99))
    res = clean_documents(_docs(stories + [copy] * 5))
    freq = res.removed_lines.filter(pl.col("reason_code") == "frequency")
    assert set(freq["text"].to_list()) == set(FOOTER)
    assert freq.height == 4 * len(FOOTER)
    for body in res.articles.filter(pl.col("document_id").is_in([f"d{i}" for i in range(4, 9)]))["body"]:
        assert body == copy  # five copies of one story are one story: nothing of it removed


def test_frequency_accumulates_across_nights_without_double_counting():
    night1 = clean_documents(_docs(["\n\n".join(_story(s) + FOOTER) for s in range(2)]), as_of=date(2025, 1, 1))
    assert night1.removed_lines.filter(pl.col("reason_code") == "frequency").height == 0
    rerun = clean_documents(_docs(["\n\n".join(_story(s) + FOOTER) for s in range(2)]), night1.line_stats,
                            as_of=date(2025, 1, 1))
    assert rerun.removed_lines.filter(pl.col("reason_code") == "frequency").height == 0  # same stories again
    night2 = clean_documents(_docs(["\n\n".join(_story(7) + FOOTER)], ids=["n2"]), night1.line_stats,
                             as_of=date(2025, 1, 2))
    assert set(night2.removed_lines.filter(pl.col("reason_code") == "frequency")["text"]) == set(FOOTER)
    row = night2.line_stats.filter(pl.col("example_text") == FOOTER[0]).to_dicts()[0]
    assert row["n_stories"] == 3 and row["first_seen"] == date(2025, 1, 1) and row["last_seen"] == date(2025, 1, 2)


def test_story_clusters_join_partial_copies_only():
    a, b = _story(1), _story(2)
    fps = [story_fingerprint(a), story_fingerprint(a[3:]), story_fingerprint(b)]
    c = story_clusters(fps)
    assert c[0] == c[1] != c[2]


def test_removed_lines_account_for_every_raw_line():
    text = ("Military\n\nA title for the story here\n\n" + PROSE.format(x=1) + "\n\nRelated Articles\n\n"
            "Leave a Reply\n\n" + PROSE.format(x=2) + "\n\n• Source of information and images “x.example”\n\n"
            "Back to top button\n")
    res = clean_documents(_docs([text]))
    body_lines = res.articles["body"][0].split("\n\n")
    removed = res.removed_lines
    assert removed["reason_code"].null_count() == 0 and removed["rule"].null_count() == 0
    raw_lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    assert len(body_lines) + removed.height == len(raw_lines)
    for r in removed.iter_rows(named=True):
        assert text[r["char_start"]:].startswith(r["text"])
    assert sorted(body_lines + removed["text"].to_list()) == sorted(raw_lines)


def test_deeply_nested_and_hostile_html_never_crash():
    para = "<p>" + "A paragraph of article text long enough to be kept by the extractor. " * 6 + "</p>"
    deep = "<html><body>" + "<div>" * 10_000 + para * 5 + "</div>" * 10_000 + "</body></html>"
    unclosed = "<html><body><article>" + para * 3 + "<b>" * 10_000 + para * 3 + "</article></body></html>"
    huge = "<html><body>" + "<p>x</p>" * 1_100_000 + "</body></html>"
    docs = _docs([deep, unclosed, huge, "", "<html></html>"], content_type="html")
    res = clean_documents(docs)
    assert res.articles.height + res.failures.height == 5
    assert res.failures.filter(pl.col("document_id") == "d2")["reason"][0].startswith("html too large")
    assert res.failures["reason"].null_count() == 0


def test_html_goes_through_trafilatura_and_second_pass():
    para = "<p>" + "The harbour authority confirmed that the new ferry line will start in May with three boats. " * 3 + "</p>"
    html = ("<html><head><title>Ferry line to open in May</title><meta property='article:published_time' "
            "content='2024-03-02'></head><body><article><h1>Ferry line to open in May</h1>" + para * 4 +
            "<p>Subscribe to our newsletter for the latest news in your inbox.</p></article></body></html>")
    res = clean_documents(_docs([html], content_type="html"))
    art = res.articles.to_dicts()[0]
    assert "newsletter" not in art["body"]
    assert art["title"] == "Ferry line to open in May"
    assert art["published_date"] == date(2024, 3, 2) and art["published_source"] == "metadata"
    assert set(res.removed_lines["reason_code"]) >= {"html_extractor"}

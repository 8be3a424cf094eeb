"""The text path's fast machinery must give the same answers as the slow reference it replaces."""

import json
import random
from datetime import date

import numpy as np
import polars as pl
import pytest

from tests.conftest import SHARED
from wiretrace.clean import CLEAN_TABLES, clean_documents, stream_clean
from wiretrace.clean import pipeline
from wiretrace.clean.frequency import (_WORD, _token_hashes_with_doc, cluster_documents, fingerprint_arrays, story_fingerprint,
                                      story_fingerprints, story_fingerprints_of_texts, token_hashes)
from wiretrace.clean.language import detect_language_reference, detect_languages
from wiretrace.clean.lines import Line, _tokens, _word_prefix, pattern_text, split_lines
from wiretrace.clean.markup import looks_like_markdown, markdown_flags
from wiretrace.clean.night import split_night, with_rule_features
from wiretrace.clean.patterns import load_patterns

SEEDS = SHARED / "seeds"
ECB = SHARED / "corpora/ecbplus/dev.jsonl"

SAMPLES = [
    "The council met on Tuesday to discuss the new budget for schools and a bridge over the river.",
    "Le conseil municipal s'est réuni mardi pour discuter du nouveau budget des écoles et d'un pont.",
    "Der Stadtrat traf sich am Dienstag, um über den neuen Haushalt für Schulen und eine Brücke zu beraten.",
    "El concejo se reunió el martes para discutir el nuevo presupuesto para escuelas y un puente.",
    "Городской совет собрался во вторник, чтобы обсудить новый бюджет школ и мост через реку.",
    "市议会周二开会讨论学校的新预算和一座跨河大桥。", "시의회는 화요일에 학교 예산과 다리 건설을 논의했다.",
    "ALL CAPS HEADLINE ABOUT THE BUDGET VOTE", "a", "12345 !!!", "", "   ", None,
]


def _ecb_texts(n: int = 60) -> list[str]:
    if not ECB.exists():
        return []
    with ECB.open() as f:
        return [json.loads(line)["text"] for _, line in zip(range(n), f)]


def test_batch_language_detection_equals_py3langid():
    texts = SAMPLES + _ecb_texts()
    got = detect_languages(texts)
    for text, (lang, prob) in zip(texts, got):
        ref_lang, ref_prob = detect_language_reference(text) if text else (None, None)
        assert lang == ref_lang, text
        assert (prob is None) == (ref_prob is None)
        if prob is not None:
            assert abs(prob - ref_prob) < 1e-3


def _corpus_lines() -> list[str]:
    lines = []
    for p in sorted(SEEDS.glob("*")):
        if p.suffix in (".txt", ".md"):
            lines += [ln.text for ln in split_lines(p.read_text(encoding="utf-8"), markdown=True)]
    for t in _ecb_texts(200):
        lines += [ln.text for ln in split_lines(t, markdown=False)]
    lines += ["Leave a Reply", "Follow us on Facebook and Twitter", "© 2025 Example Ltd. All rights reserved.",
              "The minister spoke. (AFP / Getty Images)", "Photo: Reuters", "Reporting by Jane Doe; Editing by Tom",
              "Email Tariq Malik at tmalik@space.com or follow him @tariqjmalik", "jane@example.com",
              "Sign up for our newsletter", "Click here to subscribe", "business.Click To Tweet",
              "We may earn a commission from links on this page.", "ⓒ Entermedia. 무단전재 및 재배포 금지",
              "Get Motor Cycle Monthly delivered through your letterbox every month.",
              "This copy is for your personal, non-commercial use only.", "Updated at 1:23 p.m."]
    return lines


def test_keyword_gate_never_changes_a_pattern_match():
    ps = load_patterns()
    lines = _corpus_lines()
    found = ps.keywords_found(pl.Series(lines).str.to_lowercase()).to_list()
    matched = 0
    for line, hit in zip(lines, found):
        ref = ps.match_ungated(line)
        for got in (ps.match(line), ps.match(line, found=frozenset(hit))):
            assert (got is None) == (ref is None), line
            if got is not None:
                assert got[0].id == ref[0].id, line
        matched += ref is not None
    assert matched >= 15  # the examples above do match


def test_first_character_dispatch_equals_the_full_alternation():
    ps = load_patterns()
    lines = _corpus_lines()
    # every ASCII first character in front of phrases that start patterns, in both cases
    heads = ["Comments", "3 Comments", "Source of information: x", "Tempo de leitura: 1 minuto", "5 min read",
             "Attention: comments are moderated before approval", "Related Articles", "By AFP", "[Read more]",
             "© 2025 AFP", "— Agence France-Presse", "Share this", "Back to top", "Also on example.com x"]
    lines += [c + h for c in map(chr, range(1, 128)) for h in heads] + heads + [h.upper() for h in heads]
    lines += ["ﬁle photo", "Ａdvertisement", "\u212aommentare", "İstanbul", ""]  # non-ASCII first characters
    hits = 0
    for line in lines:
        full = ps.anchored is not None and ps.anchored.match(line) is not None
        assert (ps.first_anchored(line) is not None) == full, line
        # and the alternative that matched is the first anchored pattern, in file order, matching alone
        first = next((i for i, p in enumerate(ps.patterns) if not p.needs and p.regex.search(line)), None)
        assert ps.first_anchored(line) == first, line
        hits += full
    assert hits >= 30


def test_batched_markdown_detection_equals_one_by_one():
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*")) if p.suffix in (".txt", ".md")]
    texts += _ecb_texts(100) + ["[a](b) **c**", "# Title\n\n> quote", "plain\ntext", "", "*not* enough"]
    assert markdown_flags(texts) == [looks_like_markdown(t) for t in texts]
    assert any(markdown_flags(texts)) and not all(markdown_flags(texts))


def test_split_lines_precomputes_what_a_line_would_compute():
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*")) if p.suffix in (".txt", ".md")]
    texts += _ecb_texts(30) + ["市议会周二开会讨论学校的新预算和一座跨河大桥。\r\n\n  \x1c \n© 2024 Example"]
    for md in (False, True):
        for text in texts:
            for ln in split_lines(text, md):
                fresh = Line(ln.no, ln.start, ln.raw, ln.text, ln.heading)
                assert (fresh.words, fresh.key) == (ln.words, ln.key), ln.text
                assert text[ln.start:ln.start + len(ln.raw)] == ln.raw


def test_every_pattern_is_anchored_or_keyword_gated_by_its_own_literals():
    for p in load_patterns().patterns:
        assert p.regex.pattern.startswith("^"), p.id  # the anchored alternation relies on it
        assert all(k == k.lower() for k in p.needs), p.id


def test_token_hashes_follow_word_tokens():
    text = "Héllo, wörld! The world's 2 biggest_cities; héllo again. 東京 and Ünïcode"
    tokens = _WORD.findall(text.lower())
    hashes = token_hashes(text).tolist()
    assert len(hashes) == len(tokens)
    by_token = {}
    for tok, h in zip(tokens, hashes):
        assert by_token.setdefault(tok, h) == h
    assert len(set(by_token.values())) == len(by_token)


def test_batched_fingerprints_equal_one_by_one():
    rng = random.Random(3)
    docs = [[" ".join(rng.choice(["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta"]) for _ in range(n))]
            for n in (0, 1, 3, 4, 5, 6, 40, 400)] + [[""], [], ["a b"]]
    assert story_fingerprints(docs) == [story_fingerprint(d) for d in docs]
    assert story_fingerprint([]) == frozenset()


def _night(n_outlets: int, per_outlet: int, seed: int) -> pl.DataFrame:
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(3000)]
    rows = []
    for o in range(n_outlets):
        footer = [f"Outlet {o} newsletter every weekday", f"Advertise with outlet {o} | Careers"]
        for d in range(per_outlet):
            body = [" ".join(rng.choice(vocab) for _ in range(20)).capitalize() + "." for _ in range(5)]
            rows.append({"document_id": f"o{o}d{d}", "outlet": f"outlet{o}", "content_type": "text",
                         "raw_text": "\n\n".join(body + footer), "source_url": None, "title_hint": None,
                         "published_hint": None})
    return pl.DataFrame(rows)


def test_outlet_shards_in_a_pool_or_in_turn_give_the_same_result(monkeypatch):
    night1 = _night(6, 4, 1)
    stats = clean_documents(night1, as_of=date(2025, 1, 1)).line_stats
    # a stored outlet that has no documents tonight must be carried over by the sharded path too
    night2 = _night(5, 4, 2).with_columns(pl.col("document_id") + "_n2").sample(fraction=1.0, shuffle=True, seed=4)
    single = clean_documents(night2, stats, as_of=date(2025, 1, 2), workers=1)
    monkeypatch.setattr(pipeline, "POOL_MIN_TEXT", 1)
    pooled = clean_documents(night2, stats, as_of=date(2025, 1, 2), workers=2)
    monkeypatch.setattr(pipeline, "SHARD_DOCS", 6)  # shards of one or two outlets, cleaned one after another
    assert len(pipeline._outlet_shards(night2, -(-night2.height // 6))) > 2
    in_turn = clean_documents(night2, stats, as_of=date(2025, 1, 2), workers=1)
    for name in ("articles", "removed_lines", "failures", "line_stats"):
        assert getattr(pooled, name).equals(getattr(single, name)), name
        assert getattr(in_turn, name).equals(getattr(single, name)), name
    assert single.removed_lines.filter(pl.col("reason_code") == "frequency").height > 0
    assert "outlet5" in set(single.line_stats["outlet"])


def _html_page(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>{title}</h1>{body}</article><footer>Contact us</footer></body></html>")


def test_streamed_shards_hold_exactly_the_rows_of_the_whole_night(monkeypatch):
    stats = clean_documents(_night(6, 4, 1), as_of=date(2025, 1, 1)).line_stats
    night = _night(5, 4, 2).with_columns(pl.col("document_id") + "_n2")
    rng = random.Random(9)
    pages = [{"document_id": f"page{i}", "outlet": f"outlet{i % 3}", "content_type": "html",
              "raw_text": _html_page(f"Page {i} headline", [" ".join(rng.choice(["river", "council", "vote",
                                     "budget", "bridge", "mayor", "delay"]) for _ in range(30)) for _ in range(4)]),
              "source_url": f"https://outlet{i % 3}.example/2025/01/02/page-{i}", "title_hint": None,
              "published_hint": None} for i in range(6)]
    night = pl.concat([night, pl.DataFrame(pages)], how="vertical_relaxed").sample(fraction=1.0, shuffle=True, seed=3)
    whole = clean_documents(night, stats, as_of=date(2025, 1, 2))  # one shard
    monkeypatch.setattr(pipeline, "SHARD_DOCS", 6)
    chunks: dict[str, list[pl.DataFrame]] = {}
    counts = stream_clean(night, stats, lambda name, frame: chunks.setdefault(name, []).append(frame),
                          as_of=date(2025, 1, 2))
    # shard by shard, never an empty chunk; the stored lines of outlet5 (absent tonight) come last
    assert counts["shards"] > 2 and len(chunks["articles"]) == counts["shards"]
    assert all(frame.height for frames in chunks.values() for frame in frames)
    assert set(chunks["line_stats"][-1]["outlet"]) == {"outlet5"}
    keys = {"articles": ["article_id"], "removed_lines": ["article_id", "line_no", "reason_code"],
            "failures": ["document_id"], "line_stats": ["outlet", "line_hash"]}
    for name in CLEAN_TABLES:
        streamed = pl.concat(chunks[name]) if name in chunks else getattr(whole, name).clear()
        assert counts[name] == streamed.height, name
        assert streamed.sort(keys[name], nulls_last=True).equals(getattr(whole, name).sort(keys[name], nulls_last=True)), name
    html_rows = whole.articles.filter(pl.col("document_id").str.starts_with("page"))
    assert html_rows.height == 6 and html_rows["title"].str.starts_with("Page").all()


def test_rerun_of_a_night_from_the_same_stored_stats_is_identical():
    night1 = clean_documents(_night(3, 4, 5), as_of=date(2025, 1, 1))
    docs2 = _night(3, 4, 6).with_columns(pl.col("document_id") + "_n2")
    first = clean_documents(docs2, night1.line_stats, as_of=date(2025, 1, 2))
    again = clean_documents(docs2, night1.line_stats, as_of=date(2025, 1, 2))
    assert first.line_stats.equals(again.line_stats)
    assert first.removed_lines.equals(again.removed_lines)
    footer = first.line_stats.filter(pl.col("example_text") == "Outlet 0 newsletter every weekday").to_dicts()[0]
    assert footer["n_documents"] == 8 and footer["n_stories"] == 8


@pytest.mark.parametrize("line,own", [("https://example.com/2025/06/08/budget/", True),
                                      ("<http://www.example.com/2025/06/08/budget>", True),
                                      ("https://example.com/other-story", False)])
def test_line_with_the_page_own_url_is_lifted(line, own):
    prose = "The council met on Tuesday to discuss the new budget, which includes funds for schools and roads."
    docs = pl.DataFrame([{"document_id": "d", "outlet": "o", "content_type": "text",
                          "raw_text": "\n\n".join([prose, prose.replace("Tuesday", "Monday"), line]),
                          "source_url": "https://example.com/2025/06/08/budget", "title_hint": None,
                          "published_hint": None}])
    res = clean_documents(docs)
    lifted = res.removed_lines.filter(pl.col("rule") == "page_url_line")
    assert lifted.height == (1 if own else 0)
    assert (line.strip("<>") in res.articles["body"][0]) is not own


# ------------------------------------------------------------------ the night's columnar line features
_AWKWARD = [
    "市议会周二开会讨论学校的新预算和一座跨河大桥。\r\n\n  \x1c \n© 2024 Example\x1f\n",
    "  Tabs\tand  double  spaces 2019 \u00a0 \u2003 2020s\n\n1999\u00b2 x²2020 ΟΔΟΣ 2021 İstanbul 2022\n"
    "Ünïcode—dashes “quotes” 2023… • bullet 2024\u200d2025 a\u203f2026\n- 3. list item\n\x85\u2028\n",
    "Σ\nONE\n\n\n", "x" * 3 + " word" * 60, "Scores x²2020 in 1999\nJoined a\u200d2021\nTied b\u203f2022",
]


def _night_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*")) if p.suffix in (".txt", ".md")]
    return texts + _ecb_texts(120) + _AWKWARD


def test_split_night_equals_split_lines_per_text():
    texts = _night_texts()
    for markdown in (False, True):
        frame = split_night(texts, [markdown] * len(texts))
        got = [(r["no"], r["start"], r["raw"], r["text"], r["heading"], r["words"], r["key"])
               for r in frame.iter_rows(named=True)]
        want = [(ln.no, ln.start, ln.raw, ln.text, ln.heading, ln.words, ln.key)
                for t in texts for ln in split_lines(t, markdown)]
        assert got == want
        assert frame["doc"].to_list() == [d for d, t in enumerate(texts) for _ in split_lines(t, markdown)]
        assert frame["spaces"].to_list() == [t.count(" ") for t in frame["text"].to_list()]


def test_pattern_candidates_cover_every_line_a_pattern_matches():
    ps = load_patterns()
    lines = _corpus_lines() + [ln for t in _AWKWARD for ln in t.split("\n") if ln.strip()]
    lines += ["Leave a Reply Cancel reply", "LEAVE A REPLY", "Tags: budget, council", "3 Comments", "Ad",
              "- Related Articles", "• Source of information: AFP", "Back to top button", "AP",
              "– Lire la suite", "1. Commentaires (3)", "Ünïcode caption here (AFP / Getty Images)",
              "Photo\x1c: Reuters", "Tempo de leitura: 2 minutos", "Publicité", "© 2024 Société Générale",
              "Abonnez-vous à notre newsletter", "Schlagwörter: Politik, Wahl", "Fuente: EFE"]
    frame = with_rule_features(split_night(lines, [False] * len(lines)), ps)
    rows = frame.select("text", "words", "candidate", "found", "may_anchor").iter_rows()
    matched = 0
    for text, words, candidate, found, may_anchor in rows:
        line = pattern_text(text)
        hit = ps.match(line, words if line is text else None)
        matched += hit is not None
        assert candidate or hit is None, text
        if candidate:  # the engine's call, with the night's keyword and prefix hints, finds the same
            hinted = ps.match(line, words if line is text else None, found=frozenset(found), may_anchor=may_anchor)
            assert (hinted and hinted[0].id) == (hit and hit[0].id), text
    assert matched >= 30
    assert not frame["candidate"].all()  # the gate does skip lines


def test_caption_candidates_cover_every_line_the_caption_rule_groups():
    texts = _night_texts() + [
        "The minister opened the new bridge over the river on Tuesday morning.\n\n"
        "The minister opened the new bridge over the river on Tuesday morning. (AFP / Getty Images)\n\n"
        "Ünïcode words ça et là répétés dix fois ici pour être long\n\n"
        "Ünïcode words ça et là répétés dix fois ici pour être long encore | Reuters"]
    frame = with_rule_features(split_night(texts, [False] * len(texts)), load_patterns())
    flagged = frame["caption_maybe"].to_list()
    by_doc: dict[tuple[int, str, tuple], list[int]] = {}
    for row, (doc, text) in enumerate(frame.select("doc", "text").iter_rows()):
        if text.count(" ") >= 9:  # what LineEngine._captions groups: word prefix, then first 6 tokens
            start = _tokens(text[:60])
            six = tuple((start if len(start) > 6 else _tokens(text))[:6])
            by_doc.setdefault((doc, _word_prefix(text), six), []).append(row)
    grouped = [row for rows in by_doc.values() if len(rows) > 1 for row in rows]
    assert len(grouped) >= 4 and all(flagged[row] for row in grouped)
    assert sum(flagged) < len(flagged) // 10


def test_keywords_found_agree_with_the_python_substring_test():
    ps = load_patterns()
    lines = _corpus_lines()
    found = ps.keywords_found(pl.Series(lines).str.to_lowercase()).to_list()
    for line, got in zip(lines, found):
        assert set(got) == {k for k in ps.keywords if k in line.lower()}, line


def test_story_clusters_form_inside_one_outlet_only():
    rng = random.Random(9)
    words = ["".join(rng.choice("abcdefghij") for _ in range(6)) for _ in range(400)]
    story = " ".join(rng.choice(words) for _ in range(120))
    other = " ".join(rng.choice(words) for _ in range(120))
    texts = [story, story[: len(story) // 2], other, story, ""]
    doc, vals = fingerprint_arrays(texts)
    assert story_fingerprints_of_texts(texts) == [frozenset(vals[doc == d].tolist()) for d in range(len(texts))]
    # documents 0, 1 (a partial copy) and 2 share outlet 0; document 3 repeats 0 in outlet 1
    clusters = cluster_documents(doc, vals, np.array([0, 0, 0, 1, 1])).tolist()
    assert clusters == [0, 0, 2, 3, 4]
    assert cluster_documents(doc, vals, np.zeros(5, dtype=np.int64)).tolist() == [0, 0, 2, 0, 4]
    # nothing shared inside any outlet (one document each): no clusters, no error
    assert cluster_documents(doc, vals, np.arange(5)).tolist() == [0, 1, 2, 3, 4]


def test_token_hashes_lowercase_by_table_as_str_lower_does():
    texts = ["Héllo WÖRLD, ÇA VA? Ǆemal ǅ ǈ ÿ Ÿ ẞ straße ΑΒΓ Ωmega КИЇВ Ꭰꭰ ＡＢＣ 2024",
             "ΟΔΟΣ ΟΔΟΣ. İstanbul İZMİR", "plain ascii Text"]
    for text in texts:
        # an astral character sends the text down the str.lower path; the table path must agree
        assert token_hashes(text).tolist() == token_hashes(text + " \U0001d400").tolist()[:-1], text
        assert token_hashes(text).tolist() == token_hashes(text.lower()).tolist(), text


def _reference_token_hash(token: str) -> int:
    """A token's hash by its definition: the polynomial of its code points, finalised (fmix64)."""
    from wiretrace.clean.frequency import _P
    mask = 2**64 - 1
    h = sum(ord(c) * pow(int(_P), k, 2**64) for k, c in enumerate(token)) & mask
    for mult in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53):
        h = ((h ^ (h >> 33)) * mult) & mask
    return h ^ (h >> 33)


def test_token_hashes_equal_their_definition_on_ascii_edges_and_other_scripts():
    # the characters next to the ASCII letter and digit ranges ('@[`{/:'), the underscore, and
    # non-ASCII code points whose lowercase is ASCII (KELVIN SIGN) or that are word characters
    text = "@Az[Za`a{z} /09: _x_ AZ az 0-9 \u212a\u212aelvin Ångström naïve ÉTÉ \u00b2 \u00bd Straße Ωmega 東京\tTAB\x00nul"
    expected = [_reference_token_hash(t) for t in _WORD.findall(text.lower())]
    assert token_hashes(text).tolist() == expected
    # and inside a batch, where documents share one code point array
    hashes, doc = _token_hashes_with_doc(["x", text, "", "Y"])
    assert hashes.tolist() == [_reference_token_hash("x"), *expected, _reference_token_hash("y")]
    assert doc.tolist() == [0] + [1] * len(expected) + [3]


def test_token_documents_stay_right_when_lowercasing_lengthens_a_text():
    # 'İ' lowercases to two code points: the tokens after it must still belong to their own text
    hashes, doc = _token_hashes_with_doc(["İİİİ ab", "cd ef", "x\U0001d400y"])
    assert doc.tolist() == [0] * 5 + [1, 1, 2]  # 'i̇' is 'i' and a combining dot: 4 + 1 tokens
    assert hashes.tolist()[5:7] == token_hashes("cd ef").tolist()


def test_blocked_powers_equal_one_long_accumulate():
    from wiretrace.clean.frequency import _P, _P_INV, _powers
    for base in (_P, _P_INV):
        for n in (1, 2, 65_535, 65_536, 65_537, 200_003):
            ref = np.full(n, base, dtype=np.uint64)
            ref[0] = 1
            assert np.array_equal(_powers(base, n), np.multiply.accumulate(ref, dtype=np.uint64)), n


def _page_job(job: tuple) -> str:
    """A stand-in for one page's extraction: 'crash' kills its worker process."""
    if job[0] == "crash":
        import os
        os._exit(1)
    return f"text of {job[0]} in {__import__('os').getpid()}"


def test_one_html_pool_serves_every_shard_and_a_crash_fails_only_its_page():
    pages = [(f"page{i}", None, None) for i in range(pipeline.POOL_MIN_HTML)]
    with pipeline._HtmlExtractor(2, job=_page_job) as html:
        first = html.extract(pages)
        pool = html.pool
        second = html.extract(pages)
        assert html.pool is pool  # the next shard reuses the workers
        workers = {r.split(" in ")[1] for r in first + second}
        assert len(workers) <= 2 and all(r.startswith(f"text of page{i} ") for i, r in enumerate(first))
        crashed = html.extract(pages[:4] + [("crash", None, None)] + pages[4:])
        assert crashed[4] == "html extraction crashed its worker: BrokenProcessPool"
        assert [r.split(" in ")[0] for r in crashed[:4] + crashed[5:]] == [f"text of {p[0]}" for p in pages]
        after = html.extract(pages)  # a fresh pool for the next shard
        assert html.pool is not pool and [r.split(" in ")[0] for r in after] == [f"text of {p[0]}" for p in pages]
    assert html.pool is None

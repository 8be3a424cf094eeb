"""Story report from a small synthetic warehouse: grouping, diffs, claims, conflicts, escaping."""

import datetime as dt
import re

import duckdb
import pytest
from markupsafe import escape

from wiretrace.report import (
    ReportSummary,
    StoryNotFoundError,
    WrittenReport,
    load_stories,
    load_story,
    md_cell,
    render_html,
    render_markdown,
    report_path,
    stories_touched,
    write_report,
    write_reports,
)
from wiretrace.report.data import Article, StoryRows, build_report
from wiretrace.report.diff import diff_copy
from wiretrace.report.markup import diff_key, diff_rows_html, escape_text, stored_diff
from wiretrace.report.render import outlet_html
from wiretrace.warehouse import ensure_schema

NIGHT = dt.date(2025, 6, 10)
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
REP_BODY = ("Russia said Sunday it was pushing an offensive.\n\n"
            "He told AFP in the town of Mezhyra, around a dozen kilometers from the border.\n\n"
            "Dnipropetrovsk had an estimated population of 3 million.")
COPY_BODY = REP_BODY.replace("Mezhyra", "Mezhova") + "\n\n" + HOSTILE + "\n\nExtra sentence."
REWRITE_BODY = "Russian troops entered the Dnipropetrovsk region, a region of three million people."

ARTICLES = [  # article_id, outlet, title, body, copy group, story
    ("a_rep", "Moscow Times", "Russia says pushing offensive", REP_BODY, "cg_wire", "st_one"),
    ("a_copy", f"Evil {HOSTILE} outlet", f"Headline {HOSTILE}", COPY_BODY, "cg_wire", "st_one"),
    ("a_rewrite", "Kyiv Independent", "Troops enter region", REWRITE_BODY, "cg_rewrite", "st_one"),
    ("a_merged", "Late Outlet", "Same event later", REWRITE_BODY + " Later.", "cg_late", "st_absorbed"),
]


def _insert(con, table: str, row: dict) -> None:
    cols = ", ".join(row)
    con.execute(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(row))})", list(row.values()))


@pytest.fixture()
def con():
    con = duckdb.connect(":memory:")
    ensure_schema(con)
    stamp = {"ingest_date": NIGHT, "run_id": "r1"}
    for article_id, outlet, title, body, group, story in ARTICLES:
        rep = "a_rep" if group == "cg_wire" else article_id
        _insert(con, "clean.articles", {"article_id": article_id, "document_id": article_id, "outlet": outlet,
                                        "title": title, "body": body, "published_date": NIGHT, **stamp})
        _insert(con, "stories.members", {"article_id": article_id, "story_id": story, "copy_group_id": group,
                                         "outlet": outlet, "published_date": NIGHT,
                                         "representative_article_id": rep, "assigned_night": NIGHT, **stamp})
    for group, story, rep, n in [("cg_wire", "st_one", "a_rep", 2), ("cg_rewrite", "st_one", "a_rewrite", 1),
                                 ("cg_late", "st_absorbed", "a_merged", 1)]:
        _insert(con, "stories.copy_groups", {"copy_group_id": group, "story_id": story,
                                             "representative_article_id": rep, "founding_article_id": rep,
                                             "member_count": n, "outlet_count": n, "first_published": NIGHT,
                                             "last_published": NIGHT, **stamp})
    for story, merged_into in [("st_one", None), ("st_absorbed", "st_one")]:
        _insert(con, "stories.stories", {"story_id": story, "label": f"Label {HOSTILE}",
                                         "representative_article_id": "a_rep", "founding_article_id": "a_rep",
                                         "first_seen": NIGHT, "last_seen": NIGHT, "article_count": 3,
                                         "outlet_count": 3, "copy_group_count": 2, "merged_into": merged_into,
                                         **stamp})
    claim = {"story_id": "st_one", "claimant": None, "mention_count": 2, "first_article": "a_rep", **stamp}
    _insert(con, "claims.claims", {**claim, "claim_id": "cl_town", "claim_type": "event",
                                   "canonical_text": "He told AFP in the town of Mezhyra", "article_count": 2,
                                   "outlet_count": 2, "copy_group_count": 1})
    _insert(con, "claims.claims", {**claim, "claim_id": "cl_pop", "claim_type": "quantity",
                                   "canonical_text": "3000000 population", "article_count": 3,
                                   "outlet_count": 3, "copy_group_count": 2})
    a_start = REP_BODY.index("Mezhyra")
    b_start = COPY_BODY.index("Mezhova")
    _insert(con, "claims.conflicts", {"conflict_id": "cf_1", "story_id": "st_one", "claim_id": "cl_town",
                                      "conflict_type": "place", "value_a": "Mezhyra", "article_a": "a_rep",
                                      "a_start": a_start, "a_end": a_start + 7, "value_b": "Mezhova",
                                      "article_b": "a_copy", "b_start": b_start, "b_end": b_start + 7, **stamp})
    yield con
    con.close()


def test_members_grouped_by_copy_group_with_merges_resolved(con):
    report = load_story(con, "st_one")
    assert {a.article_id for a in report.articles} == {"a_rep", "a_copy", "a_rewrite", "a_merged"}
    groups = {g.copy_group_id: g for g in report.copy_groups}
    assert report.copy_groups[0].copy_group_id == "cg_wire"  # the most syndicated text first
    assert groups["cg_wire"].representative.article_id == "a_rep"
    assert [c.article.article_id for c in groups["cg_wire"].copies] == ["a_copy"]
    assert groups["cg_rewrite"].copies == () and groups["cg_late"].copies == ()
    copy_diff = groups["cg_wire"].copies[0].diff
    assert (copy_diff.changed, copy_diff.inserted, copy_diff.removed) == (1, 2, 0)


def test_claims_ordered_conflicted_first_with_support(con):
    claims = load_story(con, "st_one").claims
    assert [c["claim_id"] for c in claims] == ["cl_town", "cl_pop"]
    assert (claims[1]["article_count"], claims[1]["outlet_count"], claims[1]["independent_origins"]) == (3, 3, 2)
    assert claims[0]["conflict_count"] == 1 and claims[1]["conflict_count"] == 0


def test_html_highlights_the_conflict_and_the_word_edit(con):
    html = render_html(load_story(con, "st_one"))
    marks = re.findall(r'<mark class="conflict-value">([^<]*)</mark>', html)
    assert "Mezhyra" in marks and "Mezhova" in marks
    assert re.search(r'<tr class="claim has-conflict" data-claim-id="cl_town">', html)
    assert not re.search(r'<tr class="claim has-conflict" data-claim-id="cl_pop">', html)
    assert "<del>Mezhyra</del>" in html and "<ins>Mezhova</ins>" in html
    assert "kilometers from the border" in html


def test_html_escapes_article_text_everywhere(con):
    html = render_html(load_story(con, "st_one"))
    assert "<script" not in html and "<img" not in html
    assert html.count("&lt;script&gt;") >= 4  # label, outlet, headline, body diff
    assert "onerror=alert(1)&gt;" in html
    # Defence in depth: the page forbids scripts even if something slipped through.
    assert "default-src 'none'" in html


def test_markdown_summary_neutralises_markup(con):
    md = render_markdown(load_story(con, "st_one"))
    assert "**Mezhyra**" in md and "**Mezhova**" in md
    assert "<script" not in md and "&lt;script&gt;" in md
    assert "| place |" in md and "**Conflicts** (1 of 1)" in md
    assert md_cell("a|b [x](javascript:y) *z*\nnext") == r"a\|b \[x\]\(javascript:y\) \*z\* next"


def test_markdown_summary_shows_the_first_conflicts_and_says_how_many_the_page_has(con):
    md = render_markdown(load_story(con, "st_one"), max_conflicts=0)
    assert "**Conflicts** (0 of 1: every one is on the story's page)" in md
    assert "| place |" not in md and "**Mezhova**" not in md


def test_written_report_and_unsafe_ids(con, tmp_path):
    path = write_report(load_story(con, "st_one"), tmp_path)
    assert path == tmp_path / "st_one.html" and "Mezhova" in path.read_text(encoding="utf-8")
    assert list(tmp_path.iterdir()) == [path]  # no staging file left behind
    with pytest.raises(ValueError):
        report_path(tmp_path, "../../etc/passwd")


def test_unknown_story_and_touched_stories(con):
    with pytest.raises(StoryNotFoundError):
        load_story(con, "st_missing")
    assert stories_touched(con, NIGHT.isoformat()) == ["st_one"]  # st_absorbed resolves to st_one
    assert stories_touched(con, "2025-06-11") == []


def test_a_batch_gives_each_story_its_own_report(con):
    batch = load_stories(con, ["st_missing", "st_one"])
    assert batch["st_missing"] is None
    assert batch["st_one"] == load_story(con, "st_one")


def test_reports_written_by_a_pool_equal_those_written_in_process(con, tmp_path):
    ids = ["st_one", "st_missing", "st_one"]
    one = list(write_reports(con, ids, tmp_path / "one", workers=1, batch_size=1))
    pool = list(write_reports(con, ids, tmp_path / "pool", workers=2, batch_size=1))
    assert one == pool
    assert [(d.story_id, d.position, d.written, d.conflicts) for d in pool] == [
        ("st_one", 1, True, 1), ("st_missing", 2, False, 0), ("st_one", 3, True, 1)]
    page = (tmp_path / "pool" / "st_one.html").read_text(encoding="utf-8")
    assert page == (tmp_path / "one" / "st_one.html").read_text(encoding="utf-8")
    assert page == render_html(load_story(con, "st_one"))
    assert sorted(p.name for p in (tmp_path / "pool").iterdir()) == ["st_one.html"]


def test_summary_keeps_the_most_conflicted_stories_ties_to_the_earlier(con):
    summary = ReportSummary(1)
    summary.add(WrittenReport("st_missing", 1, False, 9))  # no report: never summarised
    summary.add(WrittenReport("st_other", 2, True, 0))
    summary.add(WrittenReport("st_one", 3, True, 1))
    summary.add(WrittenReport("st_later", 4, True, 1))  # as conflicted, but later
    assert summary.markdown(con) == [render_markdown(load_story(con, "st_one"))]
    assert ReportSummary(3).markdown(con) == []


def test_summary_lists_the_first_conflicts_and_counts_them_all(con, monkeypatch):
    from wiretrace.report import batch

    monkeypatch.setattr(batch, "MARKDOWN_CONFLICTS", 0)  # the story's one conflict is past the cap
    summary = ReportSummary(1)
    summary.add(WrittenReport("st_one", 1, True, 1))
    [md] = summary.markdown(con)
    assert "**1** conflicts" in md and "**Conflicts** (0 of 1: every one is on the story's page)" in md
    assert "| place |" not in md


@pytest.mark.parametrize("text", ["", "plain", "<script>alert('x')</script>", 'a "quoted" & <b>bold</b>',
                                  "&amp; already", "O'Neil's <img src=x onerror=alert(1)>", "ünïcode ‘curly’ ≥"])
def test_the_fast_escaper_writes_what_markupsafe_writes(text):
    assert escape_text(text) == str(escape(text))
    assert outlet_html(text or None) == (escape(text) if text else "(unknown outlet)")


def _keep_in(con, night: dt.date):
    """A keep_diffs that files the new diffs in reports.copy_diffs as the asset does (one row per copy)."""
    def keep(new):
        for article_id, representative, diff in new:
            con.execute("DELETE FROM reports.copy_diffs WHERE article_id = ?", [article_id])
            _insert(con, "reports.copy_diffs", {
                "article_id": article_id, "representative_article_id": representative, "diff_key": diff.key,
                "inserted": diff.inserted, "removed": diff.removed, "changed": diff.changed,
                "rows_html": diff.rows_html, "ingest_date": night, "run_id": "r2"})
    return keep


def test_pages_reuse_kept_copy_diffs_while_both_texts_are_unchanged(con, tmp_path):
    page_without = render_html(load_story(con, "st_one"))
    first = list(write_reports(con, ["st_one"], tmp_path / "first", keep_diffs=_keep_in(con, NIGHT)))
    assert [(d.diffs_made, d.diffs_reused) for d in first] == [(1, 0)]  # a_copy against a_rep
    assert con.execute("SELECT article_id, representative_article_id, inserted, removed, changed "
                       "FROM reports.copy_diffs").fetchall() == [("a_copy", "a_rep", 2, 0, 1)]
    assert (tmp_path / "first" / "st_one.html").read_text(encoding="utf-8") == page_without

    # (two ids in batches of one: the pool path, where the kept diffs go to a worker and back)
    second = list(write_reports(con, ["st_one", "st_missing"], tmp_path / "second", workers=2, batch_size=1,
                                keep_diffs=_keep_in(con, NIGHT)))
    assert [(d.diffs_made, d.diffs_reused) for d in second] == [(0, 1), (0, 0)]
    assert (tmp_path / "second" / "st_one.html").read_text(encoding="utf-8") == page_without
    # the page's diff table is the kept row itself, not a new diff
    con.execute("UPDATE reports.copy_diffs SET rows_html = '<tr class=\"equal\"><td>KEPT</td></tr>\n'")
    list(write_reports(con, ["st_one"], tmp_path / "third", keep_diffs=_keep_in(con, NIGHT)))
    assert '<tr class="equal"><td>KEPT</td></tr>' in (tmp_path / "third" / "st_one.html").read_text(encoding="utf-8")

    # a later night edits the representative: the kept diff is stale, the copy is diffed again and kept anew
    later = NIGHT + dt.timedelta(days=1)
    _insert(con, "clean.articles", {"article_id": "a_rep", "document_id": "a_rep", "outlet": "Moscow Times",
                                    "title": "Russia says pushing offensive", "published_date": NIGHT,
                                    "body": REP_BODY.replace("offensive", "assault"), "ingest_date": later,
                                    "run_id": "r3"})
    fourth = list(write_reports(con, ["st_one", "st_missing"], tmp_path / "fourth", workers=2, batch_size=1,
                                keep_diffs=_keep_in(con, later)))
    assert [(d.diffs_made, d.diffs_reused) for d in fourth] == [(1, 0), (0, 0)]
    page = (tmp_path / "fourth" / "st_one.html").read_text(encoding="utf-8")
    assert "KEPT" not in page and page == render_html(load_story(con, "st_one"))
    assert "<del>assault</del>" in page and "<ins>offensive</ins>" in page and "assault" not in page_without
    assert con.execute("SELECT count(*), min(ingest_date), min(changed) FROM reports.copy_diffs").fetchone() == (
        1, later, 2)  # "offensive" -> "assault" is now a word edit too


def test_a_stored_diff_is_the_diff_rendered_under_the_key_of_both_texts():
    diff = diff_copy(COPY_BODY, REP_BODY)
    kept = stored_diff(diff, diff_key(COPY_BODY, REP_BODY))
    assert kept.rows_html == str(diff_rows_html(diff)) and kept.rows_html.startswith('<tr class="')
    assert diff_rows_html(kept) == diff_rows_html(diff)
    assert (kept.inserted, kept.removed, kept.changed, kept.identical) == (2, 0, 1, False)
    same = stored_diff(diff_copy(REP_BODY, REP_BODY), diff_key(REP_BODY, REP_BODY))
    assert same.identical and same.rows_html == ""  # the page shows no table for an identical copy
    keys = {diff_key(COPY_BODY, REP_BODY), diff_key(REP_BODY, COPY_BODY), diff_key(COPY_BODY, REP_BODY + " "),
            diff_key("c", "ab"), diff_key("bc", "a")}  # where one text ends and the other starts counts
    assert len(keys) == 5 and all(len(k) == 32 for k in keys)
    assert diff_key(COPY_BODY, REP_BODY) == diff_key(COPY_BODY, REP_BODY)


def test_each_conflict_shows_its_own_two_sides_when_sides_recur():
    """Three variants of one claim make three conflicts, each value a side of two of them: a side is built
    and rendered once per page, and every conflict block still shows its own pair, each in its paragraph."""
    towns = {"a1": "Mezhyra", "a2": "Mezhova", "a3": "Pokrovsk"}
    articles = [Article(a, "cg_" + a, a, f"Outlet {a}", None, NIGHT, NIGHT, f"Troops reached {town} & beyond.")
                for a, town in towns.items()]
    start = len("Troops reached ")

    def conflict(a: str, b: str) -> dict:
        return {"conflict_id": f"cf_{a}_{b}", "claim_id": "cl_town", "conflict_type": "place",
                "claim_text": "Troops reached <the town>", "value_a": towns[a], "article_a": a, "a_start": start,
                "a_end": start + len(towns[a]), "value_b": towns[b], "article_b": b, "b_start": start,
                "b_end": start + len(towns[b])}

    pairs = [("a1", "a2"), ("a1", "a3"), ("a2", "a3")]
    report = build_report(StoryRows("st_towns", {"label": None, "first_seen": None, "last_seen": None,
                                                 "ingest_date": NIGHT},
                                    articles, [], [conflict(a, b) for a, b in pairs]))
    by_id = {c.conflict_id: c for c in report.conflicts}
    assert by_id["cf_a1_a2"].a is by_id["cf_a1_a3"].a and by_id["cf_a1_a3"].b is by_id["cf_a2_a3"].b
    html = render_html(report)
    blocks = re.findall(r'<div class="conflict".*?</div>', html, flags=re.S)
    assert len(blocks) == 3
    for (a, b), block in zip(pairs, blocks, strict=True):
        heads = re.findall(r"<th>Outlet (a\d) <code>\1</code> says <mark[^>]*>(\w+)</mark></th>", block)
        assert heads == [(a, towns[a]), (b, towns[b])]
        contexts = re.findall(r"<td>Troops reached <mark[^>]*>(\w+)</mark> &amp; beyond.</td>", block)
        assert contexts == [towns[a], towns[b]]
        assert "Troops reached &lt;the town&gt;" in block

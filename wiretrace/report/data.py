"""Read one story's members, texts, claims and conflicts from the warehouse into plain objects.

Reads base tables only (stories.*, clean.articles, claims.*), not the marts views: the report asset runs
right after the claims stage, possibly before the views of the night exist. Stories are read in batches
(sql/report/, one query per table for the whole batch), not one query per story: per-story queries each
scanned clean.articles and took 183 of 444 s of a 10k-article benchmark night.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from wiretrace.report.diff import CopyDiff, Segment, diff_copy
from wiretrace.report.markup import StoredDiff, diff_key, stored_diff
from wiretrace.warehouse import sql_file


def _report_sql(name: str) -> str:
    return sql_file(f"report/{name}.sql")


# Characters of context shown on each side of a conflicting value.
CONTEXT_CHARS = 160


class StoryNotFoundError(LookupError):
    """No story (or no member of it) with that id in the warehouse."""


@dataclass(frozen=True)
class Article:
    article_id: str
    copy_group_id: str
    representative_article_id: str
    outlet: str | None
    title: str | None
    published_date: dt.date | None
    effective_date: dt.date | None
    body: str

    @property
    def is_representative(self) -> bool:
        return self.article_id == self.representative_article_id


@dataclass(frozen=True)
class CopyView:
    article: Article
    diff: CopyDiff | StoredDiff  # StoredDiff when the report was built with stored diffs (StoryRows.stored_diffs)


@dataclass(frozen=True)
class CopyGroupView:
    copy_group_id: str
    representative: Article
    copies: tuple[CopyView, ...]  # members other than the representative, each diffed against it

    @property
    def articles(self) -> tuple[Article, ...]:
        return (self.representative, *(c.article for c in self.copies))

    @property
    def outlets(self) -> list[str]:
        return sorted({a.outlet for a in self.articles if a.outlet})


@dataclass(frozen=True)
class ConflictSide:
    article_id: str
    outlet: str | None
    value: str
    context: tuple[Segment, ...]  # the value marked change="conflict" inside its surrounding text


@dataclass(frozen=True)
class ConflictView:
    conflict_id: str
    claim_id: str
    conflict_type: str
    claim_text: str | None
    a: ConflictSide
    b: ConflictSide


@dataclass(frozen=True)
class StoryReport:
    story_id: str
    label: str | None
    first_seen: dt.date | None
    last_seen: dt.date | None
    articles: tuple[Article, ...]
    copy_groups: tuple[CopyGroupView, ...]
    claims: tuple[dict, ...]
    conflicts: tuple[ConflictView, ...]
    generated_from: dict = field(default_factory=dict)

    @property
    def outlets(self) -> list[str]:
        return sorted({a.outlet for a in self.articles if a.outlet})

    @property
    def conflicted_claim_ids(self) -> set[str]:
        return {c.claim_id for c in self.conflicts}


def value_in_context(body: str, start: int, end: int, value: str) -> tuple[Segment, ...]:
    """The value at body[start:end] marked as a conflict, with the rest of its paragraph around it (trimmed)."""
    if not (0 <= start < end <= len(body)) or body[start:end] != value:
        return (Segment(value, "conflict"),)  # offsets do not point at the value: show the value alone
    para_start = body.rfind("\n", 0, start) + 1
    para_end = body.find("\n", end)
    para_end = len(body) if para_end < 0 else para_end
    left_start = max(para_start, start - CONTEXT_CHARS)
    right_end = min(para_end, end + CONTEXT_CHARS)
    before = ("…" if left_start > para_start else "") + body[left_start:start]
    after = body[end:right_end] + ("…" if right_end < para_end else "")
    marked = Segment(value, "conflict")
    return ((Segment(before),) if before else ()) + (marked,) + ((Segment(after),) if after else ())


def _copy_groups(articles: list[Article], stored: dict[str, StoredDiff] | None = None) -> list[CopyGroupView]:
    """The story's copy groups, each copy diffed against the representative. With ``stored`` (article_id
    -> the diff the reports stage kept), every copy gets a StoredDiff: the kept one when its key still
    matches the two texts, else a new one."""
    def diff(copy: Article, representative: Article) -> CopyDiff | StoredDiff:
        if stored is None:
            return diff_copy(copy.body, representative.body)
        key = diff_key(copy.body, representative.body)
        kept = stored.get(copy.article_id)
        return kept if kept is not None and kept.key == key else stored_diff(
            diff_copy(copy.body, representative.body), key)

    by_group: dict[str, list[Article]] = {}
    for article in articles:
        by_group.setdefault(article.copy_group_id, []).append(article)
    groups = []
    for group_id, members in by_group.items():
        rep_id = members[0].representative_article_id
        representative = next((a for a in members if a.article_id == rep_id), None)
        if representative is None:  # representative not (yet) a member of this story: compare to the first copy
            representative = members[0]
        copies = tuple(CopyView(a, diff(a, representative))
                       for a in members if a.article_id != representative.article_id)
        groups.append(CopyGroupView(group_id, representative, copies))
    # Largest group (the most syndicated text) first.
    groups.sort(key=lambda g: (-len(g.articles), g.copy_group_id))
    return groups


def load_story(con: duckdb.DuckDBPyConnection, story_id: str) -> StoryReport:
    """Everything the story report shows, for one (live) story id."""
    report = load_stories(con, [story_id])[story_id]
    if report is None:
        raise StoryNotFoundError(f"no story {story_id!r} with members in the warehouse")
    return report


@dataclass(frozen=True)
class StoryRows:
    """One story's rows as read from the warehouse, before diffs: what a report is built from."""
    story_id: str
    story: dict
    articles: list[Article]
    claims: list[dict]
    conflicts: list[dict]
    stored_diffs: dict[str, StoredDiff] | None = None  # article_id -> kept diff; None: diff every copy


@dataclass(frozen=True)
class StoryBatch:
    """A batch of stories' rows as read, one Arrow table per query: what the parent hands a report
    worker, which makes the Python objects itself (``rows``). On ten nights of history, making the
    claims' and conflicts' dicts in the parent and pickling them to the pool took 9.3 + 7.7 s."""
    story_ids: list[str]
    stories: pa.Table
    members: pa.Table
    claims: pa.Table
    conflicts: pa.Table
    copy_diffs: pa.Table | None  # None: the reports diff every copy

    def select(self, story_ids: list[str]) -> "StoryBatch":
        """The rows of some of this batch's stories (each table keeps its order)."""
        wanted = pa.array(story_ids, pa.string())

        def of(table: pa.Table) -> pa.Table:
            return table.filter(pc.is_in(table["story_id"], value_set=wanted))

        return StoryBatch(list(story_ids), of(self.stories), of(self.members), of(self.claims), of(self.conflicts),
                          None if self.copy_diffs is None else of(self.copy_diffs))

    def rows(self) -> dict[str, StoryRows | None]:
        """Each id's StoryRows; None for an id without a story row or members."""
        stories = {r["story_id"]: r for r in self.stories.to_pylist()}
        members, claims, conflict_rows = defaultdict(list), defaultdict(list), defaultdict(list)
        for row in self.members.to_pylist():
            members[row.pop("story_id")].append(Article(**row))
        for row in self.claims.to_pylist():
            claims[row.pop("story_id")].append(row)
        for row in self.conflicts.to_pylist():
            conflict_rows[row.pop("story_id")].append(row)
        kept: dict[str, dict[str, StoredDiff]] | None = None
        if self.copy_diffs is not None:
            kept = defaultdict(dict)
            for story_id, article_id, *diff in zip(*(c.to_pylist() for c in self.copy_diffs.columns)):
                kept[story_id][article_id] = StoredDiff(*diff)
        return {sid: StoryRows(sid, stories[sid], members[sid], claims[sid], conflict_rows[sid],
                               None if kept is None else kept.get(sid, {}))
                if sid in stories and members[sid] else None for sid in self.story_ids}


def read_story_batch(con: duckdb.DuckDBPyConnection, story_ids: list[str], *,
                     stored_diffs: bool = False) -> StoryBatch:
    """The rows of a batch of (live) story ids, as Arrow tables. ``stored_diffs``: also the copy diffs
    reports.copy_diffs keeps for their members.

    Each query scans its tables' columns whole, whatever the batch (DuckDB decodes a column for every
    row it scans): on ten history nights a read of 200 stories' members took 0.29 s, as long as all of
    clean.articles' bodies, and of their kept diffs 0.9 s, all 480 MB of them (0.07 s for the keys
    alone). Reading many batches at once and taking each one's rows with ``select`` saves the scans."""
    params = {"story_ids": list(story_ids)}

    def table(name: str) -> pa.Table:
        return con.sql(_report_sql(name), params=params).to_arrow_table()

    return StoryBatch(list(story_ids), table("stories"), table("story_members"), table("story_claims"),
                      table("story_conflicts"), table("story_copy_diffs") if stored_diffs else None)


def load_story_rows(con: duckdb.DuckDBPyConnection, story_ids: list[str], *,
                    stored_diffs: bool = False) -> dict[str, StoryRows | None]:
    """The rows of a batch of (live) story ids; None for an id without a story row or members.
    ``stored_diffs``: also the copy diffs reports.copy_diffs keeps for their members."""
    return read_story_batch(con, story_ids, stored_diffs=stored_diffs).rows()


def load_stories(con: duckdb.DuckDBPyConnection, story_ids: list[str], *,
                 stored_diffs: bool = False) -> dict[str, StoryReport | None]:
    """Reports of a batch of (live) story ids; None for an id without a story row or members.
    ``stored_diffs``: copies take the diffs reports.copy_diffs keeps where still valid (load_story_rows)."""
    return {sid: build_report(rows) if rows else None
            for sid, rows in load_story_rows(con, story_ids, stored_diffs=stored_diffs).items()}


def build_report(rows: StoryRows) -> StoryReport:
    """The report of one story: copies diffed against their representative, conflicts in context."""
    story_id, story, articles, claims, conflict_rows = (rows.story_id, rows.story, rows.articles, rows.claims,
                                                        rows.conflicts)
    by_id = {a.article_id: a for a in articles}
    # a claim's k variants make k(k-1)/2 conflicts, so each side recurs: it is built once per story (and
    # render.conflict_blocks_html renders each one once), not once per conflict it is in
    @cache
    def side(article_id: str, start: int, end: int, value: str) -> ConflictSide:
        article = by_id.get(article_id)
        context = value_in_context(article.body, start, end, value) if article else (Segment(value, "conflict"),)
        return ConflictSide(article_id, article.outlet if article else None, value, context)

    conflicts = tuple(
        ConflictView(r["conflict_id"], r["claim_id"], r["conflict_type"], r["claim_text"],
                     side(r["article_a"], r["a_start"], r["a_end"], r["value_a"]),
                     side(r["article_b"], r["b_start"], r["b_end"], r["value_b"]))
        for r in conflict_rows)
    effective = [a.effective_date for a in articles if a.effective_date]
    return StoryReport(
        story_id=story_id,
        label=story["label"],
        first_seen=min(effective) if effective else story["first_seen"],
        last_seen=max(effective) if effective else story["last_seen"],
        articles=tuple(articles),
        copy_groups=tuple(_copy_groups(articles, rows.stored_diffs)),
        claims=tuple(claims),
        conflicts=conflicts,
        generated_from={"story_snapshot_night": story["ingest_date"]},
    )


def stories_touched(con: duckdb.DuckDBPyConnection, partition: str) -> list[str]:
    """Live ids of the stories a night added articles to or merged."""
    return [r[0] for r in con.execute(_report_sql("stories_touched"), {"partition": partition}).fetchall()]

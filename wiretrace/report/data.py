"""Read one story's members, texts, claims and conflicts from the warehouse into plain objects.

Reads base tables only (stories.*, clean.articles, claims.*), not the marts views: the report asset runs
right after the claims stage, possibly before the views of the night exist.
"""

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from wiretrace.report.diff import CopyDiff, Segment, diff_copy

# A story absorbed by a merge pass counts as the story it went into (chains followed).
_LIVE_STORIES = """
WITH RECURSIVE live(story_id, live_story_id, depth) AS (
    SELECT story_id, story_id, 0 FROM stories.stories_current WHERE merged_into IS NULL
    UNION ALL
    SELECT s.story_id, l.live_story_id, l.depth + 1
    FROM stories.stories_current AS s JOIN live AS l ON s.merged_into = l.story_id
    WHERE l.depth < 100
)"""

STORY_SQL = """
SELECT story_id, label, first_seen, last_seen, article_count, outlet_count, copy_group_count, ingest_date
FROM stories.stories_current WHERE story_id = $story_id
"""

MEMBERS_SQL = _LIVE_STORIES + """,
articles AS (
    SELECT * FROM clean.articles
    QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY ingest_date DESC) = 1
)
SELECT m.article_id, m.copy_group_id,
       coalesce(g.representative_article_id, m.representative_article_id) AS representative_article_id,
       coalesce(a.outlet, m.outlet) AS outlet, a.title, a.published_date, m.published_date AS effective_date,
       coalesce(a.body, '') AS body
FROM stories.members AS m
LEFT JOIN live AS l ON l.story_id = m.story_id
LEFT JOIN stories.copy_groups_current AS g ON g.copy_group_id = m.copy_group_id
LEFT JOIN articles AS a ON a.article_id = m.article_id
WHERE coalesce(l.live_story_id, m.story_id) = $story_id
ORDER BY m.copy_group_id, m.published_date, m.article_id
"""

CLAIMS_SQL = """
SELECT c.claim_id, c.claim_type, c.canonical_text, c.claimant, c.article_count, c.outlet_count,
       c.copy_group_count AS independent_origins, c.mention_count,
       coalesce(f.conflict_count, 0) AS conflict_count
FROM claims.claims AS c
LEFT JOIN (SELECT claim_id, count(*) AS conflict_count FROM claims.conflicts GROUP BY claim_id) AS f USING (claim_id)
WHERE c.story_id = $story_id
ORDER BY coalesce(f.conflict_count, 0) > 0 DESC, c.copy_group_count DESC, c.article_count DESC, c.claim_type,
         c.claim_id
"""

CONFLICTS_SQL = """
SELECT f.conflict_id, f.claim_id, f.conflict_type, c.canonical_text AS claim_text,
       f.value_a, f.article_a, f.a_start, f.a_end, f.value_b, f.article_b, f.b_start, f.b_end
FROM claims.conflicts AS f
LEFT JOIN claims.claims AS c USING (claim_id)
WHERE f.story_id = $story_id
ORDER BY f.conflict_type, f.conflict_id
"""

TOUCHED_STORIES_SQL = _LIVE_STORIES + """
SELECT DISTINCT coalesce(l.live_story_id, m.story_id) AS story_id
FROM stories.members AS m LEFT JOIN live AS l ON l.story_id = m.story_id
WHERE m.ingest_date = $partition
UNION
SELECT coalesce(l.live_story_id, g.into_story_id)
FROM stories.merges AS g LEFT JOIN live AS l ON l.story_id = g.into_story_id
WHERE g.ingest_date = $partition
ORDER BY 1
"""

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
    diff: CopyDiff


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


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


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
    return tuple(s for s in (Segment(before), Segment(value, "conflict"), Segment(after)) if s.text)


def _copy_groups(articles: list[Article]) -> list[CopyGroupView]:
    by_group: dict[str, list[Article]] = {}
    for article in articles:
        by_group.setdefault(article.copy_group_id, []).append(article)
    groups = []
    for group_id, members in by_group.items():
        rep_id = members[0].representative_article_id
        representative = next((a for a in members if a.article_id == rep_id), None)
        if representative is None:  # representative not (yet) a member of this story: compare to the first copy
            representative = members[0]
        copies = tuple(CopyView(a, diff_copy(a.body, representative.body))
                       for a in members if a.article_id != representative.article_id)
        groups.append(CopyGroupView(group_id, representative, copies))
    # Largest group (the most syndicated text) first.
    groups.sort(key=lambda g: (-len(g.articles), g.copy_group_id))
    return groups


def load_story(con: duckdb.DuckDBPyConnection, story_id: str) -> StoryReport:
    """Everything the story report shows, for one (live) story id."""
    params = {"story_id": story_id}
    story_rows = _rows(con, STORY_SQL, params)
    articles = [Article(**row) for row in _rows(con, MEMBERS_SQL, params)]
    if not story_rows or not articles:
        raise StoryNotFoundError(f"no story {story_id!r} with members in the warehouse")
    story = story_rows[0]
    by_id = {a.article_id: a for a in articles}

    def side(article_id: str, start: int, end: int, value: str) -> ConflictSide:
        article = by_id.get(article_id)
        context = value_in_context(article.body, start, end, value) if article else (Segment(value, "conflict"),)
        return ConflictSide(article_id, article.outlet if article else None, value, context)

    conflicts = tuple(
        ConflictView(r["conflict_id"], r["claim_id"], r["conflict_type"], r["claim_text"],
                     side(r["article_a"], r["a_start"], r["a_end"], r["value_a"]),
                     side(r["article_b"], r["b_start"], r["b_end"], r["value_b"]))
        for r in _rows(con, CONFLICTS_SQL, params))
    effective = [a.effective_date for a in articles if a.effective_date]
    return StoryReport(
        story_id=story_id,
        label=story["label"],
        first_seen=min(effective) if effective else story["first_seen"],
        last_seen=max(effective) if effective else story["last_seen"],
        articles=tuple(articles),
        copy_groups=tuple(_copy_groups(articles)),
        claims=tuple(_rows(con, CLAIMS_SQL, params)),
        conflicts=conflicts,
        generated_from={"story_snapshot_night": story["ingest_date"]},
    )


def stories_touched(con: duckdb.DuckDBPyConnection, partition: str) -> list[str]:
    """Live ids of the stories a night added articles to or merged."""
    return [r[0] for r in con.execute(TOUCHED_STORIES_SQL, {"partition": partition}).fetchall()]

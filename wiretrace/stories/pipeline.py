"""One night of the story stage: copy groups, then stories, then the rows to write.

Write semantics (what makes a night idempotent): every output row belongs to the night being processed
(the asset stamps ``ingest_date``), and the state read for a night contains only rows of earlier nights.
Rerunning a night = delete the night's rows from every ``stories.*`` table, load the state, call
``assign_night`` again: the same input gives the same ids. ``stories.copy_groups`` and
``stories.stories`` are written as per-night snapshots of the groups/stories the night touched; the
current version of each is its latest snapshot (views ``*_current`` in sql/ddl/30_stories.sql).

A night's joins are final (story ids only ever disappear into older ones through merges), so stories
built night by night cannot undo a join made on an early night's few articles that the whole corpus
would not make: on ECB+ dev over 5 nights they agree with one batch run at B3 F1 0.964, and nights that
each equal the batch of every article seen so far reach no more (0.965; benchmarks/results/stories.md).
"""

import hashlib
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import polars as pl
import scipy.sparse as sp

from wiretrace.stories.cluster import Item, agglomerate, components
from wiretrace.stories.copies import CopyRule, assign_copy_groups
from wiretrace.stories.diffs import sentence_diff
from wiretrace.stories.minhash import MinHasher, overlap
from wiretrace.stories.text import ShingleSets, body_hashes, night_tokens, shingle_hashes
from wiretrace.stories.vectors import TermWeights, raw_matrix, term_weights, tfidf

_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class StoryParams:
    shingle_size: int = 4  # word 4-grams (seeds: edited copies at Jaccard 0.23-0.60, rewrite <= 0.01)
    num_perm: int = 128
    rows_per_band: int = 2  # 64 bands of 2: P(candidate) = 0.77 at Jaccard 0.15 (half copies), 0.98 at 0.25
    lsh_fanout: int = 3
    copy_rule: CopyRule = CopyRule()
    copy_window_days: int = 7  # a copy is matched against articles published this many days before it
    term_weights: TermWeights = TermWeights(title=2.0, entity=1.0, number=1.0, lead_decay=5.0)
    name_share: float = 0.3
    story_threshold: float = 0.225  # average-link cosine; chosen by topic cross-validation on ECB+ dev
    story_window_days: int = 3  # a copy group joins a story last seen at most this many days earlier
    max_story_span_days: int = 14  # no story spans more than this (first to last publication)
    merge_threshold: float = 0.225
    max_published_lag_days: int = 30  # published_date older than this before ingest (or in the future) is implausible


@dataclass
class StoryState:
    """What earlier nights left in the warehouse that this night needs (see ``state_sql``).

    fingerprints: article_id, copy_group_id, story_id, outlet, published_date, n_shingles, body_hash, minhash
    bodies:       article_id, body (clean.articles bodies of those articles: verification and diffs)
    doc_terms:    copy_group_id, article_id, story_id, published_date, term_ids, term_weights
    copy_groups:  latest stories.copy_groups row per group
    stories:      latest stories.stories row per story
    """

    fingerprints: pl.DataFrame
    bodies: pl.DataFrame
    doc_terms: pl.DataFrame
    copy_groups: pl.DataFrame
    stories: pl.DataFrame

    @staticmethod
    def empty() -> "StoryState":
        return StoryState(
            fingerprints=pl.DataFrame(schema=FINGERPRINT_SCHEMA),
            bodies=pl.DataFrame(schema={"article_id": pl.String, "body": pl.String}),
            doc_terms=pl.DataFrame(schema=DOC_TERMS_SCHEMA),
            copy_groups=pl.DataFrame(schema=COPY_GROUP_SCHEMA),
            stories=pl.DataFrame(schema=STORY_SCHEMA),
        )


FINGERPRINT_SCHEMA = {
    "article_id": pl.String, "copy_group_id": pl.String, "story_id": pl.String, "outlet": pl.String,
    "published_date": pl.Date, "n_shingles": pl.Int32, "body_hash": pl.String, "minhash": pl.List(pl.UInt32),
}
DOC_TERMS_SCHEMA = {
    "copy_group_id": pl.String, "article_id": pl.String, "story_id": pl.String, "published_date": pl.Date,
    "term_ids": pl.List(pl.UInt32), "term_weights": pl.List(pl.Float32),
}
COPY_GROUP_SCHEMA = {
    "copy_group_id": pl.String, "story_id": pl.String, "representative_article_id": pl.String,
    "founding_article_id": pl.String, "member_count": pl.Int32, "outlet_count": pl.Int32,
    "first_published": pl.Date, "last_published": pl.Date, "representative_shingles": pl.Int32,
}
STORY_SCHEMA = {
    "story_id": pl.String, "label": pl.String, "representative_article_id": pl.String,
    "founding_article_id": pl.String, "first_seen": pl.Date, "last_seen": pl.Date, "article_count": pl.Int32,
    "outlet_count": pl.Int32, "copy_group_count": pl.Int32, "merged_into": pl.String,
}
MEMBER_SCHEMA = {
    "article_id": pl.String, "story_id": pl.String, "copy_group_id": pl.String, "outlet": pl.String,
    "published_date": pl.Date, "story_similarity": pl.Float64, "representative_article_id": pl.String,
    "representative_jaccard": pl.Float64, "representative_containment": pl.Float64,
    "match_jaccard": pl.Float64, "match_containment": pl.Float64, "copy_order": pl.Int32,
    "assigned_night": pl.Date,
}
DIFF_SCHEMA = {
    "copy_group_id": pl.String, "article_id": pl.String, "representative_article_id": pl.String,
    "op": pl.String, "sentence_index": pl.Int32, "sentence": pl.String,
}
MERGE_SCHEMA = {
    "merged_story_id": pl.String, "into_story_id": pl.String, "similarity": pl.Float64,
    "merged_article_count": pl.Int32,
}


@dataclass
class NightResult:
    """Rows to write for the night (the asset adds ingest_date and run_id), one frame per table."""

    members: pl.DataFrame
    copy_groups: pl.DataFrame
    stories: pl.DataFrame
    diffs: pl.DataFrame
    fingerprints: pl.DataFrame
    doc_terms: pl.DataFrame

    def tables(self) -> dict[str, pl.DataFrame]:
        return {f"stories.{k}": getattr(self, k) for k in ("members", "copy_groups", "stories", "diffs", "fingerprints", "doc_terms")}


@dataclass
class MergeResult:
    merges: pl.DataFrame
    stories: pl.DataFrame  # new snapshots: absorbed stories with merged_into set, survivors with new counts


def stable_id(prefix: str, founding_article_id: str) -> str:
    """``cg_``/``st_`` + 12 hex chars of sha256(founding article id): a rerun reproduces it."""
    return prefix + hashlib.sha256(founding_article_id.encode()).hexdigest()[:12]


def _day(d: date) -> int:
    return (d - _EPOCH).days


def effective_dates(articles: pl.DataFrame, params: StoryParams) -> pl.Series:
    """published_date, or ingest_date when it is missing or implausible (future, or long before ingest)."""
    pub, ing = pl.col("published_date"), pl.col("ingest_date")
    ok = pub.is_not_null() & (pub <= ing + pl.duration(days=1)) & (pub >= ing - pl.duration(days=params.max_published_lag_days))
    return articles.select(pl.when(ok).then(pub).otherwise(ing).alias("published_date")).to_series()


def _resolve_story(stories: pl.DataFrame) -> dict[str, str]:
    """story id -> surviving story id after recorded merges (follows chains)."""
    into = {s: m for s, m in stories.select("story_id", "merged_into").iter_rows() if m is not None}

    def root(s: str) -> str:
        seen = set()
        while s in into and s not in seen:
            seen.add(s)
            s = into[s]
        return s

    return {s: root(s) for s in into}


def assign_night(articles: pl.DataFrame, state: StoryState, *, params: StoryParams = StoryParams()) -> NightResult:
    """Assign one night's clean articles to copy groups and stories; return the rows to write.

    ``articles``: article_id, outlet, title, body, published_date (nullable), ingest_date (one night).
    ``state``: rows of earlier nights only (see ``state_sql``); extra history is ignored by the windows.
    """
    nights = articles["ingest_date"].unique().drop_nulls()
    if len(nights) != 1:
        raise ValueError(f"assign_night expects the articles of exactly one ingest_date, got {nights.to_list()}")
    night: date = nights[0]
    arts = (
        articles.with_columns(effective_dates(articles, params))
        .with_columns(pl.col("body").fill_null(""), pl.col("outlet").fill_null(""))
        .unique("article_id", keep="first", maintain_order=True)
        .sort("published_date", "article_id")
    )
    n_new = arts.height
    redirect = _resolve_story(state.stories)

    # ---- copy groups ------------------------------------------------------------------------
    earliest_new = arts["published_date"].min() if n_new else night
    since_copy = earliest_new - timedelta(days=params.copy_window_days)
    arts, new_shingles, old_fp, bodies = copy_stage(arts, state, since_copy, params)
    known_groups = set(state.copy_groups["copy_group_id"].to_list()) | set(old_fp["copy_group_id"].to_list())
    founders = arts.filter(~pl.col("copy_group_id").is_in(list(known_groups))).unique("copy_group_id", keep="first", maintain_order=True)

    # ---- stories: one vector per new copy group, average link against stories in the window ---------
    group_story = {g: redirect.get(s, s) for g, s in state.copy_groups.select("copy_group_id", "story_id").iter_rows()}
    group_story.update({g: redirect.get(s, s) for g, s in old_fp.select("copy_group_id", "story_id").iter_rows()})
    new_terms = [term_weights(t, b, params.term_weights) for t, b in zip(founders["title"], founders["body"])]
    since_story = earliest_new - timedelta(days=params.story_window_days)
    live = state.stories.filter(pl.col("merged_into").is_null() & (pl.col("last_seen") >= since_story))
    pool_terms = state.doc_terms.with_columns(
        pl.col("story_id").replace(redirect)
    ).filter(pl.col("story_id").is_in(live["story_id"].implode()))
    story_of_group = _cluster_new_groups(founders, new_terms, pool_terms, live, params)
    group_story.update(story_of_group)
    arts = arts.with_columns(
        story_id=pl.col("copy_group_id").replace_strict(group_story, default=None, return_dtype=pl.String)
    )

    return _night_rows(arts, founders, new_terms, new_shingles, state, old_fp, bodies, redirect, pool_terms, night, params)


def copy_stage(arts: pl.DataFrame, state: StoryState, since_copy: date, params: StoryParams):
    """The copy-group stage of a night: shingles and MinHash of the night's bodies, LSH candidates
    against each other and the earlier nights' fingerprints published since ``since_copy``, exact
    verification, greedy groups. Returns ``arts`` with copy_group_id, n_shingles, match_jaccard,
    match_containment, body_hash, minhash; the night's shingle arrays; the earlier fingerprints
    matched against; earlier bodies by article id."""
    old_fp = state.fingerprints.filter(
        (pl.col("published_date") >= since_copy) & ~pl.col("article_id").is_in(arts["article_id"].implode())
    ).sort("published_date", "article_id")
    n_old, n_new = old_fp.height, arts.height
    hasher = MinHasher(num_perm=params.num_perm)
    new_tokens = night_tokens(arts["body"].to_list())
    new_sets = ShingleSets.of(new_tokens, params.shingle_size)
    new_shingles = new_sets.as_list()
    new_sigs = hasher.signatures(new_sets)
    new_body_hashes = body_hashes(new_tokens)
    old_sigs = (
        old_fp["minhash"].explode().to_numpy().astype(np.uint32).reshape(n_old, params.num_perm)
        if n_old else np.empty((0, params.num_perm), dtype=np.uint32)
    )
    bodies = dict(zip(state.bodies["article_id"].to_list(), state.bodies["body"].to_list()))
    old_ids = old_fp["article_id"].to_list()

    def load_old_shingles(indices: list[int]) -> list[np.ndarray]:
        # an earlier article without a stored body has no shingles (as shingle_hashes of "" )
        return ShingleSets.of_texts([bodies.get(old_ids[i]) or "" for i in indices], params.shingle_size).as_list()

    new_ids = arts["article_id"].to_list()
    groups, match_j, match_c = assign_copy_groups(
        signatures=np.vstack([old_sigs, new_sigs]),
        shingles=[None] * n_old + new_shingles,
        shingle_loader=load_old_shingles,
        body_hashes=old_fp["body_hash"].to_list() + new_body_hashes,
        group_of=old_fp["copy_group_id"].to_list() + [None] * n_new,
        new_group_id=lambda i: stable_id("cg_", new_ids[i - n_old]),
        order=np.arange(n_old + n_new),
        rows_per_band=params.rows_per_band,
        rule=params.copy_rule,
        fanout=params.lsh_fanout,
    )
    arts = arts.with_columns(
        copy_group_id=pl.Series(groups[n_old:], dtype=pl.String),
        n_shingles=pl.Series(new_sets.sizes, dtype=pl.Int32),
        match_jaccard=pl.Series(match_j[n_old:]),
        match_containment=pl.Series(match_c[n_old:]),
        body_hash=pl.Series(new_body_hashes, dtype=pl.String),
        minhash=pl.Series(new_sigs).cast(pl.List(pl.UInt32)),
    )
    return arts, new_shingles, old_fp, bodies


def _cluster_new_groups(
    founders: pl.DataFrame, new_terms: list, pool_terms: pl.DataFrame, live: pl.DataFrame, params: StoryParams
) -> dict[str, str]:
    """Story id for each new copy group (existing story within the window, or a new one)."""
    if founders.height == 0:
        return {}
    n_pool = pool_terms.height
    ids = [np.asarray(x, dtype=np.uint32) for x in pool_terms["term_ids"].to_list()] + [t[0] for t in new_terms]
    vals = [np.asarray(x, dtype=np.float32) for x in pool_terms["term_weights"].to_list()] + [t[1] for t in new_terms]
    vectors = tfidf(raw_matrix(ids, vals), name_share=params.name_share)
    # Edges: pairs (new, any) with cosine >= threshold; existing docs are collapsed into their story.
    new_vec = vectors[n_pool:]
    sims = sp.coo_matrix(new_vec @ vectors.T)
    keep = (sims.data >= params.story_threshold) & (sims.row + n_pool != sims.col)
    story_ids = live["story_id"].to_list()
    story_index = {s: k for k, s in enumerate(story_ids)}
    pool_story = np.array([story_index[s] for s in pool_terms["story_id"]], dtype=np.int64)
    n_st = len(story_ids)
    node_of_row = np.concatenate([pool_story, n_st + np.arange(founders.height)])
    comp = components(n_st + founders.height, node_of_row[sims.row[keep] + n_pool], node_of_row[sims.col[keep]])

    days_pool = np.array([_day(d) for d in pool_terms["published_date"]], dtype=np.int64)
    first_story = dict(zip(story_ids, [_day(d) for d in live["first_seen"]]))
    last_story = dict(zip(story_ids, [_day(d) for d in live["last_seen"]]))
    new_days = [_day(d) for d in founders["published_date"]]
    founder_groups = founders["copy_group_id"].to_list()
    founder_articles = founders["article_id"].to_list()
    result: dict[str, str] = {}
    for c in np.unique(comp[n_st:]):
        stories_here = [k for k in np.flatnonzero(comp[:n_st] == c)]
        new_here = [k for k in np.flatnonzero(comp[n_st:] == c)]
        items = [
            Item(list(np.flatnonzero(pool_story == k)), True, first_story[story_ids[k]],
                 max(last_story[story_ids[k]], int(days_pool[pool_story == k].max()))) for k in stories_here
        ] + [Item([n_pool + k], False, new_days[k], new_days[k]) for k in new_here]
        # A new group may only join a story last seen within the story window before it.
        label, _ = agglomerate(items, vectors, params.story_threshold, params.max_story_span_days)
        for lab in np.unique(label):
            members = np.flatnonzero(label == lab)
            fixed = [m for m in members if m < len(stories_here)]
            if fixed:
                sid = story_ids[stories_here[fixed[0]]]
            else:
                first = min((new_days[new_here[m - len(stories_here)]], founder_articles[new_here[m - len(stories_here)]]) for m in members)
                sid = stable_id("st_", first[1])
            for m in members:
                if m >= len(stories_here):
                    result[founder_groups[new_here[m - len(stories_here)]]] = sid
    return result


def _night_rows(arts, founders, new_terms, new_shingles, state, old_fp, bodies, redirect, pool_terms, night, params) -> NightResult:
    # ---- members of touched copy groups (earlier nights' members from the state) ------------------
    touched = arts["copy_group_id"].unique().to_list()
    old_members = state.fingerprints.filter(pl.col("copy_group_id").is_in(touched)).select(
        "article_id", "copy_group_id", "outlet", "published_date", "n_shingles"
    ).with_columns(is_new=pl.lit(False))
    new_members = arts.select("article_id", "copy_group_id", "outlet", "published_date", "n_shingles").with_columns(is_new=pl.lit(True))
    group_members = pl.concat([old_members, new_members]).unique("article_id", keep="last")
    prev_groups = state.copy_groups.filter(pl.col("copy_group_id").is_in(touched))
    prev_rep = dict(prev_groups.select("copy_group_id", "representative_article_id").iter_rows())
    # The representative is the most complete member: most shingles, then earliest, then id.
    reps = (
        group_members.sort(["n_shingles", "published_date", "article_id"], descending=[True, False, False])
        .group_by("copy_group_id", maintain_order=True).first()
        .select("copy_group_id", representative_article_id="article_id", representative_shingles="n_shingles")
    )
    rep_of = dict(reps.select("copy_group_id", "representative_article_id").iter_rows())
    order = group_members.sort("published_date", "article_id").with_columns(
        copy_order=pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("copy_group_id")
    )
    night_bodies = dict(arts.select("article_id", "body").iter_rows())
    shingles_of = dict(zip(arts["article_id"].to_list(), new_shingles))

    def body_of(a: str) -> str | None:
        return night_bodies.get(a, bodies.get(a))

    def shingles(a: str) -> np.ndarray:
        if a not in shingles_of:
            b = body_of(a)
            shingles_of[a] = shingle_hashes(b, params.shingle_size) if b is not None else np.empty(0, dtype=np.uint32)
        return shingles_of[a]

    # Diffs for the night's members, and for every member of a group whose representative changed.
    diff_rows = []
    rep_changed = {g for g in touched if g in prev_rep and prev_rep[g] != rep_of[g]}
    for a, g in group_members.filter(pl.col("is_new") | pl.col("copy_group_id").is_in(list(rep_changed))).select("article_id", "copy_group_id").iter_rows():
        rep = rep_of[g]
        if a == rep:
            continue
        mb, rb = body_of(a), body_of(rep)
        if mb is None or rb is None:
            continue
        diff_rows.extend((g, a, rep, op, i, s) for op, i, s in sentence_diff(mb, rb))
    diffs = pl.DataFrame(diff_rows, schema=DIFF_SCHEMA, orient="row")

    # ---- story similarity of each touched copy group: average cosine to the story's other groups ----
    group_story = dict(arts.select("copy_group_id", "story_id").unique().iter_rows())
    group_sim = _group_story_similarity(founders, new_terms, pool_terms, group_story, state, redirect, params)

    rep_j, rep_c = [], []
    for a, g in arts.select("article_id", "copy_group_id").iter_rows():
        jc, cn = overlap(shingles(a), shingles(rep_of[g])) if a != rep_of[g] else (1.0, 1.0)
        rep_j.append(jc)
        rep_c.append(cn)
    members = (
        arts.with_columns(
            representative_article_id=pl.col("copy_group_id").replace_strict(rep_of),
            representative_jaccard=pl.Series(rep_j, dtype=pl.Float64),
            representative_containment=pl.Series(rep_c, dtype=pl.Float64),
            story_similarity=pl.col("copy_group_id").replace_strict(group_sim, default=1.0, return_dtype=pl.Float64),
            assigned_night=pl.lit(night, dtype=pl.Date),
        )
        .join(order.select("article_id", "copy_order"), on="article_id", how="left")
        .select(list(MEMBER_SCHEMA))
        .cast(MEMBER_SCHEMA)
    )

    # ---- copy-group snapshots ---------------------------------------------------------------------
    founding = (
        pl.concat([prev_groups.select("copy_group_id", "founding_article_id"),
                   founders.select("copy_group_id", founding_article_id="article_id")])
        .unique("copy_group_id", keep="first")
    )
    copy_groups = (
        group_members.group_by("copy_group_id").agg(
            member_count=pl.len().cast(pl.Int32),
            outlet_count=pl.col("outlet").n_unique().cast(pl.Int32),
            first_published=pl.col("published_date").min(),
            last_published=pl.col("published_date").max(),
        )
        .join(reps, on="copy_group_id")
        .join(founding, on="copy_group_id", how="left")
        .with_columns(story_id=pl.col("copy_group_id").replace_strict(group_story, default=None, return_dtype=pl.String))
        .select(list(COPY_GROUP_SCHEMA))
        .cast(COPY_GROUP_SCHEMA)
        .sort("copy_group_id")
    )
    # Groups from earlier nights keep their counts of members outside the loaded state window.
    if prev_groups.height:
        prev_counts = prev_groups.select("copy_group_id", prev_count="member_count")
        loaded = old_members.group_by("copy_group_id").agg(loaded=pl.len().cast(pl.Int32))
        copy_groups = (
            copy_groups.join(prev_counts, on="copy_group_id", how="left").join(loaded, on="copy_group_id", how="left")
            .with_columns(member_count=pl.col("member_count") + (pl.col("prev_count").fill_null(0) - pl.col("loaded").fill_null(0)).clip(0))
            .drop("prev_count", "loaded")
        )

    stories = _story_snapshots(arts, copy_groups, state, redirect)
    fingerprints = arts.select(
        "article_id", "copy_group_id", "story_id", "outlet", "published_date", "n_shingles",
        "body_hash", "minhash",  # computed by copy_stage
    ).cast(FINGERPRINT_SCHEMA)
    doc_terms = founders.select(
        "copy_group_id", "article_id", "published_date",
        story_id=pl.col("copy_group_id").replace_strict(group_story, default=None, return_dtype=pl.String),
    ).with_columns(
        term_ids=pl.Series([t[0].tolist() for t in new_terms], dtype=pl.List(pl.UInt32)),
        term_weights=pl.Series([t[1].tolist() for t in new_terms], dtype=pl.List(pl.Float32)),
    ).select(list(DOC_TERMS_SCHEMA)).cast(DOC_TERMS_SCHEMA)
    return NightResult(members=members, copy_groups=copy_groups, stories=stories, diffs=diffs,
                       fingerprints=fingerprints, doc_terms=doc_terms)


def _group_story_similarity(founders, new_terms, pool_terms, group_story, state, redirect, params) -> dict[str, float]:
    """Average cosine of each new copy group's vector to the other copy groups of its story (1.0 alone)."""
    if founders.height == 0:
        return {}
    n_pool = pool_terms.height
    ids = [np.asarray(x, dtype=np.uint32) for x in pool_terms["term_ids"].to_list()] + [t[0] for t in new_terms]
    vals = [np.asarray(x, dtype=np.float32) for x in pool_terms["term_weights"].to_list()] + [t[1] for t in new_terms]
    vectors = tfidf(raw_matrix(ids, vals), name_share=params.name_share)
    story_of_row = pool_terms["story_id"].to_list() + [group_story[g] for g in founders["copy_group_id"]]
    labels, inverse = np.unique(np.array(story_of_row, dtype=object), return_inverse=True)
    onehot = sp.csr_matrix((np.ones(len(inverse), dtype=np.float32), (inverse, np.arange(len(inverse)))), shape=(len(labels), len(inverse)))
    sums = onehot @ vectors
    counts = np.asarray(onehot.sum(axis=1)).ravel()
    rows = np.arange(n_pool, n_pool + founders.height)
    own = inverse[rows]
    new_vec = vectors[rows]
    dots = np.asarray(new_vec.multiply(sums[own]).sum(axis=1)).ravel() - np.asarray(new_vec.multiply(new_vec).sum(axis=1)).ravel()
    others = counts[own] - 1
    sim = np.where(others > 0, np.clip(dots / np.maximum(others, 1), 0.0, 1.0), 1.0)
    out = dict(zip(founders["copy_group_id"].to_list(), sim.tolist()))
    return out


def _story_snapshots(arts: pl.DataFrame, copy_groups: pl.DataFrame, state: StoryState, redirect: dict[str, str]) -> pl.DataFrame:
    touched = arts["story_id"].unique().to_list()
    prev = state.stories.filter(pl.col("story_id").is_in(touched))
    fp = state.fingerprints.with_columns(pl.col("story_id").replace(redirect))
    old = fp.filter(pl.col("story_id").is_in(touched) & ~pl.col("article_id").is_in(arts["article_id"].implode()))
    members = pl.concat([old.select("article_id", "story_id", "copy_group_id", "outlet", "published_date"),
                         arts.select("article_id", "story_id", "copy_group_id", "outlet", "published_date")])
    cg_all = pl.concat([
        state.copy_groups.with_columns(pl.col("story_id").replace(redirect)).filter(
            pl.col("story_id").is_in(touched) & ~pl.col("copy_group_id").is_in(copy_groups["copy_group_id"].implode())),
        copy_groups,
    ])
    # Label: headline of the representative of the story's largest copy group (most syndicated version).
    label_rep = (
        cg_all.sort(["member_count", "first_published", "copy_group_id"], descending=[True, False, False])
        .group_by("story_id", maintain_order=True).first().select("story_id", representative_article_id="representative_article_id")
    )
    titles = dict(arts.select("article_id", "title").iter_rows())
    prev_label = dict(prev.select("representative_article_id", "label").iter_rows())
    agg = members.group_by("story_id").agg(
        first_seen=pl.col("published_date").min(), last_seen=pl.col("published_date").max(),
        article_count=pl.len().cast(pl.Int32), outlet_count=pl.col("outlet").n_unique().cast(pl.Int32),
    ).join(cg_all.group_by("story_id").agg(copy_group_count=pl.len().cast(pl.Int32)), on="story_id")
    founding = pl.concat([
        prev.select("story_id", "founding_article_id"),
        arts.sort("published_date", "article_id").group_by("story_id", maintain_order=True).first()
        .select("story_id", founding_article_id="article_id"),
    ]).unique("story_id", keep="first")
    out = agg.join(label_rep, on="story_id").join(founding, on="story_id")
    if prev.height:  # stories older than the state window: keep their earlier first_seen and counts
        loaded = old.group_by("story_id").agg(loaded=pl.len().cast(pl.Int32))
        out = (
            out.join(prev.select("story_id", p_first="first_seen", p_count="article_count", p_outlets="outlet_count"), on="story_id", how="left")
            .join(loaded, on="story_id", how="left")
            .with_columns(
                first_seen=pl.min_horizontal("first_seen", "p_first"),
                article_count=pl.col("article_count") + (pl.col("p_count").fill_null(0) - pl.col("loaded").fill_null(0)).clip(0),
                outlet_count=pl.max_horizontal("outlet_count", "p_outlets"),
            )
        )
    out = out.with_columns(
        label=pl.col("representative_article_id").map_elements(
            lambda a: titles.get(a) or prev_label.get(a), return_dtype=pl.String),
        merged_into=pl.lit(None, dtype=pl.String),
    )
    return out.select(list(STORY_SCHEMA)).cast(STORY_SCHEMA).sort("story_id")


def merge_pass(state: StoryState, *, params: StoryParams = StoryParams(), as_of: date | None = None) -> MergeResult:
    """Join stories of the window that grew together (average link >= merge_threshold).

    The survivor of a merge is the story first seen earliest (then lowest id), so ids only ever
    disappear into older ones; the absorbed story gets ``merged_into`` in a new snapshot and its
    members keep their rows (resolve through stories.merges / stories_current.merged_into).
    """
    live = state.stories.filter(pl.col("merged_into").is_null())
    if as_of is not None:
        live = live.filter(pl.col("last_seen") >= as_of - timedelta(days=params.story_window_days + params.max_story_span_days))
    redirect = _resolve_story(state.stories)
    terms = state.doc_terms.with_columns(pl.col("story_id").replace(redirect)).filter(pl.col("story_id").is_in(live["story_id"].implode()))
    empty = MergeResult(pl.DataFrame(schema=MERGE_SCHEMA), pl.DataFrame(schema=STORY_SCHEMA))
    if terms.height == 0:
        return empty
    ids = [np.asarray(x, dtype=np.uint32) for x in terms["term_ids"].to_list()]
    vals = [np.asarray(x, dtype=np.float32) for x in terms["term_weights"].to_list()]
    vectors = tfidf(raw_matrix(ids, vals), name_share=params.name_share)
    story_ids = sorted(set(terms["story_id"].to_list()))
    live = live.filter(pl.col("story_id").is_in(story_ids)).sort("story_id")
    story_ids = live["story_id"].to_list()
    row_story = np.array([story_ids.index(s) for s in terms["story_id"]]) if len(story_ids) < 2000 else \
        terms["story_id"].replace_strict({s: i for i, s in enumerate(story_ids)}).to_numpy()
    items = [Item(list(np.flatnonzero(row_story == k)), False, _day(f), _day(last))
             for k, (f, last) in enumerate(live.select("first_seen", "last_seen").iter_rows())]
    label, _ = agglomerate(items, vectors, params.merge_threshold, params.max_story_span_days)
    if len(np.unique(label)) == len(items):
        return empty
    # sums for similarity of each absorbed story to the rest of its merged cluster
    onehot = sp.csr_matrix((np.ones(len(row_story), dtype=np.float32), (row_story, np.arange(len(row_story)))), shape=(len(items), len(row_story)))
    sums = onehot @ vectors
    sizes = np.asarray(onehot.sum(axis=1)).ravel()
    merges, snapshots = [], []
    rows = {r["story_id"]: r for r in live.iter_rows(named=True)}
    for lab in np.unique(label):
        group = np.flatnonzero(label == lab)
        if len(group) < 2:
            continue
        survivor = min(group, key=lambda k: (rows[story_ids[k]]["first_seen"], story_ids[k]))
        total = dict(rows[story_ids[survivor]])
        for k in group:
            if k == survivor:
                continue
            rest = [m for m in group if m != k]
            rest_sum = sums[rest].sum(axis=0)
            sim = float(np.asarray(sums[k].toarray() @ np.asarray(rest_sum).T).ravel()[0] / (sizes[k] * sizes[rest].sum()))
            r = rows[story_ids[k]]
            merges.append((story_ids[k], story_ids[survivor], sim, r["article_count"]))
            snapshots.append({**r, "merged_into": story_ids[survivor]})
            total["article_count"] += r["article_count"]
            total["copy_group_count"] += r["copy_group_count"]
            total["outlet_count"] = max(total["outlet_count"], r["outlet_count"])
            total["first_seen"] = min(total["first_seen"], r["first_seen"])
            total["last_seen"] = max(total["last_seen"], r["last_seen"])
        snapshots.append(total)
    return MergeResult(
        merges=pl.DataFrame(merges, schema=MERGE_SCHEMA, orient="row"),
        stories=pl.DataFrame(snapshots, schema=STORY_SCHEMA).sort("story_id"),
    )


def apply_night(state: StoryState, result: NightResult, articles: pl.DataFrame) -> StoryState:
    """The state the warehouse would hold after writing ``result`` (for tests, benchmarks, replays)."""
    def latest(old: pl.DataFrame, new: pl.DataFrame, key: str) -> pl.DataFrame:
        return pl.concat([old.filter(~pl.col(key).is_in(new[key].implode())), new.select(old.columns)])

    return StoryState(
        fingerprints=pl.concat([state.fingerprints, result.fingerprints.select(state.fingerprints.columns)]),
        bodies=pl.concat([state.bodies, articles.select("article_id", pl.col("body").fill_null(""))]),
        doc_terms=pl.concat([state.doc_terms, result.doc_terms.select(state.doc_terms.columns)]),
        copy_groups=latest(state.copy_groups, result.copy_groups, "copy_group_id"),
        stories=latest(state.stories, result.stories, "story_id"),
    )


def apply_merges(state: StoryState, result: MergeResult) -> StoryState:
    if result.stories.height == 0:
        return state
    stories = pl.concat([state.stories.filter(~pl.col("story_id").is_in(result.stories["story_id"].implode())), result.stories])
    return replace(state, stories=stories)


def prune_state(state: StoryState, night: date, params: StoryParams = StoryParams()) -> StoryState:
    """Keep what ``state_sql`` would load for ``night``: rows of the windows, stories still active."""
    since = night - timedelta(days=max(params.copy_window_days, params.story_window_days + params.max_story_span_days) + params.max_published_lag_days)
    active = state.stories.filter(pl.col("last_seen") >= since)["story_id"].implode()
    fp = state.fingerprints.filter(pl.col("story_id").is_in(active) | (pl.col("published_date") >= since))
    return StoryState(
        fingerprints=fp,
        bodies=state.bodies.filter(pl.col("article_id").is_in(fp["article_id"].implode())),
        doc_terms=state.doc_terms.filter(pl.col("story_id").is_in(active)),
        copy_groups=state.copy_groups.filter(pl.col("last_published") >= since),
        stories=state.stories.filter(pl.col("story_id").is_in(active)),
    )

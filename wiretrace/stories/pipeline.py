"""One night of the story stage: copy groups, then stories, then the rows to write.

Write semantics (what makes a night idempotent): every output row belongs to the night being processed
(the asset stamps ``ingest_date``), and the state read for a night contains only rows of earlier nights.
Rerunning a night = delete the night's rows from every ``stories.*`` table, load the state, call
``assign_night`` again: the same input gives the same ids. ``stories.copy_groups`` and
``stories.stories`` are written as per-night snapshots of the groups/stories the night touched; the
current version of each is its latest snapshot (views ``*_current`` in sql/ddl/30_stories.sql).

Two levels, so that a join made on an early night's few articles can be undone:
- Fragments: each night joins its new copy groups to the fragments of the story window, or opens new
  ones, by average link at ``fragment_threshold`` (0.4, stricter than the story threshold). A fragment
  is the story unit of stories.members.story_id, stories.doc_terms and stories.fingerprints, and these
  joins are final: an article keeps the id it got on its night, and a rerun reproduces it.
- Stories: every night, the story pass (``_story_pass``) recomputes average link at ``story_threshold``
  with relative closeness (``relative_closeness``: two stories join only if their link also reaches that
  share of their mean cohesion, so two events of one kind stay apart) over the fragments whose window reaches the night, where tonight's fragments connect to them, and
  writes what changed as stories.stories snapshots (``merged_into`` set, re-pointed, or back to NULL),
  stories.merges (joins) and stories.unmerges (joins that no longer hold). A merged group is named by
  its fragment whose founding article was published first (then lowest id), so ids are deterministic.
  The pass keeps the copy-group pairs it finds (stories.group_pairs, ``kept_pair_threshold``), so a
  later night multiplies only its new copy groups against the pool and recomputes the kept pairs'
  cosines (``_pair_source``), instead of multiplying everything its frontier reaches again.
One night holding everything - the batch - runs the same two steps, so nightly runs and the batch are
one method. On ECB+ dev over 5 nights the nightly stories agree with the batch at B3 F1 0.99; the
earlier design with final nightly joins could not pass 0.965 (benchmarks/results/stories.md).
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl
import scipy.sparse as sp

from wiretrace.stories.cluster import DENSE_MAX_ITEMS, Item, agglomerate, components, label_groups
from wiretrace.stories.copies import CopyRule, assign_copy_groups
from wiretrace.stories.diffs import representative_diffs
from wiretrace.stories.minhash import MinHasher, fingerprint_texts, overlap
from wiretrace.stories.text import ShingleSets
from wiretrace.stories.vectors import (
    TermWeights,
    list_series,
    night_term_weights,
    pair_dots,
    pairs_within,
    raw_matrix,
    sorted_rows,
    tfidf,
)

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
    # Relative closeness (cluster.agglomerate): in the story pass two stories join only if their average
    # link also reaches this share of their mean cohesion (average similarity inside each). Two events of
    # one kind sit closer than the absolute threshold but less close than each event's own articles; a
    # loosely written event still joins its parts. Chosen jointly with the threshold by topic
    # cross-validation on ECB+ dev (folds chose 0.65/0.6/0.6).
    relative_closeness: float = 0.6
    # Average link between fragments (the story pass). With relative closeness the absolute threshold
    # mainly keeps single articles apart, and ECB+ has none: its cross-validation goes down to 0.1-0.125,
    # where unrelated single pages join topical neighbours (ECB+ plus 180 AEB pages as singletons: B3 F1
    # 0.886 at 0.125, 0.892 at 0.175, 0.889 at 0.225), hence 0.175.
    story_threshold: float = 0.175
    # The story pass keeps the copy-group pairs it finds at or above this cosine (stories.group_pairs) as
    # later nights' candidates: a night then multiplies only its new copy groups against the pool and
    # recomputes the kept pairs' cosines, instead of multiplying its whole reach again (the similarity graph
    # of a 17-day window percolates, so the reach is the window). The margin below story_threshold covers
    # pairs that tonight's document frequencies lift over it. None: every night multiplies its reach.
    kept_pair_threshold: float | None = 0.15
    # Nights join copy groups into fragments at this stricter average link (never below story_threshold);
    # fragments are final, stories are recomputed over them. ECB+ dev, 5 nights: fragments at 0.3 already
    # join what the batch keeps apart, from 0.4 up they do not (benchmarks/results/stories.md).
    fragment_threshold: float = 0.4
    story_window_days: int = 3  # a copy group joins a story last seen at most this many days earlier
    max_story_span_days: int = 14  # no story spans more than this (first to last publication)
    max_published_lag_days: int = 30  # published_date older than this before ingest (or in the future) is implausible

    def __post_init__(self) -> None:
        if self.kept_pair_threshold is not None and self.kept_pair_threshold > self.story_threshold:
            raise ValueError(f"kept_pair_threshold {self.kept_pair_threshold} is above story_threshold "
                             f"{self.story_threshold}: later nights would miss pairs between the two")


BODY_SCHEMA = {"article_id": pl.String, "body": pl.String, "title": pl.String}


@dataclass(frozen=True)
class Bodies:
    """Earlier articles' bodies and titles, read only for the articles a night asks for: diffs against a
    representative that changed, re-shingling rows stored without shingles, story labels. The warehouse
    reads them from clean.articles per call (``lookup``); a whole window's bodies (~2.8 KB an article)
    would be gigabytes at a million articles of history. In memory (tests, replays) they are a frame."""

    frame: pl.DataFrame | None = None  # article_id, body, title
    lookup: Callable[[list[str]], pl.DataFrame] | None = None

    def of(self, article_ids: Iterable[str]) -> pl.DataFrame:
        """article_id, body, title of those of ``article_ids`` that have one (one row per article)."""
        ids = sorted(set(article_ids))
        if not ids:
            return pl.DataFrame(schema=BODY_SCHEMA)
        if self.lookup is not None:
            found = self.lookup(ids)
            return found if len(found) else pl.DataFrame(schema=BODY_SCHEMA)  # an empty query result has no types
        frame = self.frame if self.frame is not None else pl.DataFrame(schema=BODY_SCHEMA)
        return frame.filter(pl.col("article_id").is_in(ids)).unique("article_id", keep="last", maintain_order=True)

    def within(self, article_ids: Iterable[str]) -> "Bodies":
        """Only these articles' bodies (prune_state). A warehouse lookup is windowed by BODIES_SQL already."""
        return self if self.lookup is not None else Bodies(frame=self.of(article_ids))

    def with_frame(self, frame: pl.DataFrame) -> "Bodies":
        """In memory: these rows added (a later row of an article replaces the earlier one)."""
        own = self.frame if self.frame is not None else pl.DataFrame(schema=BODY_SCHEMA)
        return Bodies(frame=pl.concat([own, frame.select(list(BODY_SCHEMA)).cast(BODY_SCHEMA)]))


@dataclass
class StoryState:
    """What earlier nights left in the warehouse that this night needs (see ``state_sql``).

    fingerprints: article_id, copy_group_id, story_id, outlet, published_date, n_shingles, body_hash, minhash,
                  shingles (null on rows written before they were stored: their bodies are re-shingled)
    bodies:       ``Bodies``: clean.articles body and title of those articles, read for the few a night needs
    doc_terms:    copy_group_id, article_id, story_id, published_date, term_ids, term_weights
    copy_groups:  latest stories.copy_groups row per group
    stories:      latest stories.stories row per story id (fragment), merged_into as last written
    group_pairs:  copy_group_id, paired_copy_group_id, similarity: the pairs earlier story passes kept
                  (``StoryParams.kept_pair_threshold``) whose two groups are both in ``doc_terms``
    """

    fingerprints: pl.DataFrame
    bodies: Bodies
    doc_terms: pl.DataFrame
    copy_groups: pl.DataFrame
    stories: pl.DataFrame
    group_pairs: pl.DataFrame

    @staticmethod
    def empty() -> "StoryState":
        return StoryState(
            fingerprints=pl.DataFrame(schema=FINGERPRINT_SCHEMA),
            bodies=Bodies(),
            doc_terms=pl.DataFrame(schema=DOC_TERMS_SCHEMA),
            copy_groups=pl.DataFrame(schema=COPY_GROUP_SCHEMA),
            stories=pl.DataFrame(schema=STORY_SCHEMA),
            group_pairs=pl.DataFrame(schema=GROUP_PAIR_SCHEMA),
        )


FINGERPRINT_SCHEMA = {
    "article_id": pl.String, "copy_group_id": pl.String, "story_id": pl.String, "outlet": pl.String,
    "published_date": pl.Date, "n_shingles": pl.Int32, "body_hash": pl.String, "minhash": pl.List(pl.UInt32),
    "shingles": pl.List(pl.UInt32),
}
DOC_TERMS_SCHEMA = {
    "copy_group_id": pl.String, "article_id": pl.String, "story_id": pl.String, "published_date": pl.Date,
    "term_ids": pl.List(pl.UInt32), "term_weights": pl.List(pl.Float32),
    "pairs_threshold": pl.Float32,  # kept_pair_threshold its pairs were kept at (null: none kept)
}
GROUP_PAIR_SCHEMA = {"copy_group_id": pl.String, "paired_copy_group_id": pl.String, "similarity": pl.Float32}
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
UNMERGE_SCHEMA = {
    "unmerged_story_id": pl.String, "from_story_id": pl.String, "now_into_story_id": pl.String,
    "similarity": pl.Float64, "unmerged_article_count": pl.Int32,
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
    merges: pl.DataFrame  # fragments the story pass (re)joined tonight
    unmerges: pl.DataFrame  # fragments that left the story they had been merged into
    group_pairs: pl.DataFrame  # copy-group pairs tonight's story pass found, kept for later nights

    def tables(self) -> dict[str, pl.DataFrame]:
        return {f"stories.{k}": getattr(self, k) for k in (
            "members", "copy_groups", "stories", "diffs", "fingerprints", "doc_terms", "merges", "unmerges",
            "group_pairs")}


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


def assign_night(articles: pl.DataFrame, state: StoryState, *, params: StoryParams = StoryParams(),
                 workers: int = 1) -> NightResult:
    """Assign one night's clean articles to copy groups and stories; return the rows to write.

    ``articles``: article_id, outlet, title, body, published_date (nullable), ingest_date (one night).
    ``state``: rows of earlier nights only (see ``state_sql``); extra history is ignored by the windows.
    ``workers``: processes for the per-document Python of a large night (term vectors, copy diffs); the
    similarity products and the copy stage use this process's threads on every usable core.
    """
    nights = articles["ingest_date"].unique().drop_nulls()
    if len(nights) != 1:
        raise ValueError(f"assign_night expects the articles of exactly one ingest_date, got {nights.to_list()}")
    night: date = nights[0]
    arts = night_articles(articles, params)
    n_new = arts.height

    # ---- copy groups ------------------------------------------------------------------------
    earliest_new = arts["published_date"].min() if n_new else night
    since_copy = earliest_new - timedelta(days=params.copy_window_days)
    arts, new_shingles, old_fp = copy_stage(arts, state, since_copy, params)
    known_groups = set(state.copy_groups["copy_group_id"].to_list()) | set(old_fp["copy_group_id"].to_list())
    founders = arts.filter(~pl.col("copy_group_id").is_in(list(known_groups))).unique("copy_group_id", keep="first", maintain_order=True)

    # ---- fragments: one vector per new copy group, average link at the fragment threshold against the
    # fragments of the window. A fragment is the unit stories.members.story_id names: final once written.
    group_story = dict(state.copy_groups.select("copy_group_id", "story_id").iter_rows())
    group_story.update(dict(old_fp.select("copy_group_id", "story_id").iter_rows()))
    new_terms = night_term_weights(founders["title"], founders["body"], params.term_weights,
                                   workers=workers)
    since_story = earliest_new - timedelta(days=params.story_window_days)
    live = _fragment_spans(state.fingerprints).filter(pl.col("last_seen") >= since_story).sort("story_id")
    pool_terms = state.doc_terms.filter(pl.col("story_id").is_in(live["story_id"].implode()))
    threshold = max(params.fragment_threshold, params.story_threshold)
    story_of_group = _cluster_new_groups(founders, new_terms, pool_terms, live, threshold, params)
    group_story.update(story_of_group)
    arts = arts.with_columns(
        story_id=pl.col("copy_group_id").replace_strict(group_story, default=None, return_dtype=pl.String)
    )

    return _night_rows(arts, founders, new_terms, new_shingles, state, old_fp, night, earliest_new, params, workers)


def night_articles(articles: pl.DataFrame, params: StoryParams = StoryParams()) -> pl.DataFrame:
    """The night's articles as the stages see them: effective dates, no null body or outlet, one row per
    article_id (the first), in publication order."""
    return (
        articles.with_columns(effective_dates(articles, params))
        .with_columns(pl.col("body").fill_null(""), pl.col("outlet").fill_null(""))
        .unique("article_id", keep="first", maintain_order=True)
        .sort("published_date", "article_id")
    )


def _fragment_spans(fingerprints: pl.DataFrame) -> pl.DataFrame:
    """story_id (fragment), first_seen, last_seen of its members' publication dates."""
    return fingerprints.group_by("story_id").agg(
        first_seen=pl.col("published_date").min(), last_seen=pl.col("published_date").max())


def copy_stage(arts: pl.DataFrame, state: StoryState, since_copy: date, params: StoryParams):
    """The copy-group stage of a night: shingles and MinHash of the night's bodies, LSH candidates
    against each other and the earlier nights' fingerprints published since ``since_copy``, exact
    verification, greedy groups. Returns ``arts`` with copy_group_id, n_shingles, match_jaccard,
    match_containment, body_hash, minhash, shingles; the night's shingle arrays; the earlier
    fingerprints matched against."""
    # The window's rows are chosen on the narrow columns; the list columns (minhash, shingles: most of
    # the bytes of the state) are gathered for those rows only, and shingles only for candidate pairs.
    fp = state.fingerprints
    old_fp = (
        fp.select(pl.exclude("minhash", "shingles")).with_row_index("state_row")
        .filter((pl.col("published_date") >= since_copy) & ~pl.col("article_id").is_in(arts["article_id"].implode()))
        .sort("published_date", "article_id")
    )
    old_rows = old_fp["state_row"]
    n_old, n_new = old_fp.height, arts.height
    hasher = MinHasher(num_perm=params.num_perm)
    new = fingerprint_texts(arts["body"], params.shingle_size, hasher)
    new_shingles = new.shingles.as_list()
    old_sigs = (
        fp["minhash"].gather(old_rows).list.to_array(params.num_perm).to_numpy().astype(np.uint32, copy=False)
        if n_old else np.empty((0, params.num_perm), dtype=np.uint32)
    )
    with_shingles = fp.select("article_id", *(["shingles"] if "shingles" in fp.columns else []))

    def load_old_shingles(indices: list[int]) -> list[np.ndarray]:
        return stored_shingles(with_shingles[old_rows.gather(indices)], state.bodies, params.shingle_size)

    new_ids = arts["article_id"].to_list()
    groups, match_j, match_c = assign_copy_groups(
        signatures=np.vstack([old_sigs, new.signatures]) if n_old else new.signatures,  # no copy on an empty window
        shingles=[None] * n_old + new_shingles,
        shingle_loader=load_old_shingles,
        body_hashes=old_fp["body_hash"].to_list() + new.body_hashes,
        group_of=old_fp["copy_group_id"].to_list() + [None] * n_new,
        new_group_id=lambda i: stable_id("cg_", new_ids[i - n_old]),
        order=np.arange(n_old + n_new),
        rows_per_band=params.rows_per_band,
        rule=params.copy_rule,
        fanout=params.lsh_fanout,
    )
    arts = arts.with_columns(
        copy_group_id=pl.Series(groups[n_old:], dtype=pl.String),
        n_shingles=pl.Series(new.shingles.sizes, dtype=pl.Int32),
        match_jaccard=pl.Series(match_j[n_old:]),
        match_containment=pl.Series(match_c[n_old:]),
        body_hash=pl.Series(new.body_hashes, dtype=pl.String),
        minhash=pl.Series(new.signatures).cast(pl.List(pl.UInt32)),
        shingles=new.shingles.as_series(),
    )
    return arts, new_shingles, old_fp.drop("state_row")


def stored_shingles(fingerprints: pl.DataFrame, bodies: Bodies, shingle_size: int) -> list[np.ndarray]:
    """Shingle arrays of earlier articles, one per ``fingerprints`` row: the stored ``shingles``, else
    (rows written before shingles were stored) the body from ``bodies`` shingled again; an article
    without either has none (as shingle_hashes of "")."""
    n = fingerprints.height
    stored = (fingerprints["shingles"] if "shingles" in fingerprints.columns
              else pl.Series(values=[None] * n, dtype=pl.List(pl.UInt32)))
    present = stored.is_not_null().to_numpy()
    # explode() gives one null for an empty or null list; the values themselves are never null
    flat = stored.explode().drop_nulls().to_numpy().astype(np.uint32, copy=False)
    bounds = np.concatenate(([0], np.cumsum(stored.list.len().fill_null(0).to_numpy().astype(np.int64)))).tolist()
    out = [flat[bounds[k]:bounds[k + 1]] for k in range(n)]
    missing = np.flatnonzero(~present).tolist()
    if missing:
        ids = fingerprints["article_id"].gather(missing)
        found = dict(bodies.of(ids.to_list()).select("article_id", "body").iter_rows())
        texts = [found.get(a) or "" for a in ids.to_list()]
        for k, s in zip(missing, ShingleSets.of_texts(texts, shingle_size).as_list()):
            out[k] = s
    return out


def _cluster_new_groups(
    founders: pl.DataFrame, new_terms: list, pool_terms: pl.DataFrame, live: pl.DataFrame, threshold: float,
    params: StoryParams,
) -> dict[str, str]:
    """Fragment id for each new copy group (existing fragment within the window, or a new one)."""
    if founders.height == 0:
        return {}
    n_pool = pool_terms.height
    ids = pl.concat([pool_terms["term_ids"], list_series([t[0] for t in new_terms], pl.UInt32)])
    vals = pl.concat([pool_terms["term_weights"], list_series([t[1] for t in new_terms], pl.Float32)])
    vectors = tfidf(raw_matrix(ids, vals), name_share=params.name_share)
    # Edges: pairs (new, any) with cosine >= threshold; existing docs are collapsed into their story.
    sim_row, sim_col, _ = pairs_within(vectors, np.arange(n_pool, vectors.shape[0]), threshold)
    keep = sim_row + n_pool != sim_col
    story_ids = live["story_id"].to_list()
    story_index = {s: k for k, s in enumerate(story_ids)}
    pool_story = np.array([story_index[s] for s in pool_terms["story_id"]], dtype=np.int64)
    n_st = len(story_ids)
    node_of_row = np.concatenate([pool_story, n_st + np.arange(founders.height)])
    edge_a, edge_b = node_of_row[sim_row[keep] + n_pool], node_of_row[sim_col[keep]]
    comp = components(n_st + founders.height, edge_a, edge_b)

    days_pool = np.array([_day(d) for d in pool_terms["published_date"]], dtype=np.int64)
    first_story = dict(zip(story_ids, [_day(d) for d in live["first_seen"]]))
    last_story = dict(zip(story_ids, [_day(d) for d in live["last_seen"]]))
    new_days = [_day(d) for d in founders["published_date"]]
    founder_groups = founders["copy_group_id"].to_list()
    founder_articles = founders["article_id"].to_list()
    result: dict[str, str] = {}
    by_story = np.argsort(pool_story, kind="stable")  # pool rows of story k: by_story[bounds[k]:bounds[k + 1]]
    bounds = np.searchsorted(pool_story[by_story], np.arange(n_st + 1))
    for nodes in label_groups(comp):
        if nodes[-1] < n_st:
            continue  # no new copy group in this component: nothing to assign
        stories_here = nodes[nodes < n_st].tolist()
        new_here = (nodes[nodes >= n_st] - n_st).tolist()
        items = [
            Item(list(rows), True, first_story[story_ids[k]], max(last_story[story_ids[k]], int(days_pool[rows].max())))
            for k in stories_here for rows in [by_story[bounds[k]:bounds[k + 1]]]
        ] + [Item([n_pool + k], False, new_days[k], new_days[k]) for k in new_here]
        # A new group may only join a story last seen within the story window before it.
        label, _ = agglomerate(items, vectors, threshold, params.max_story_span_days,
                               pairs=_component_pairs(edge_a, edge_b, [*stories_here, *(n_st + k for k in new_here)],
                                                      len(items)))
        for members in label_groups(label):
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


def _component_pairs(edge_a: np.ndarray, edge_b: np.ndarray, nodes: list[int], n_items: int):
    """The edges between ``nodes`` (item k of a component is node ``nodes[k]``) as item index pairs,
    for ``agglomerate``'s graph mode; None for a component small enough for the dense mode (which
    needs no pairs: the edge scan over the night is only paid for the few large components)."""
    if n_items <= DENSE_MAX_ITEMS:
        return None
    position = np.full(int(max(edge_a.max(initial=0), edge_b.max(initial=0), max(nodes))) + 1, -1, dtype=np.int64)
    position[nodes] = np.arange(len(nodes))
    a, b = position[edge_a], position[edge_b]
    inside = (a >= 0) & (b >= 0) & (a != b)
    return a[inside], b[inside]


def _night_rows(arts, founders, new_terms, new_shingles, state, old_fp, night, earliest_new, params,
                workers: int = 1) -> NightResult:
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
    # Earlier articles' bodies and shingles are looked up for the few that tonight needs (diffed
    # members, representatives), not turned into dicts of the whole loaded state.
    night_ids = set(arts["article_id"].to_list())
    rep_changed = {g for g in touched if g in prev_rep and prev_rep[g] != rep_of[g]}
    to_diff = [(a, g, rep_of[g]) for a, g in group_members.filter(
        pl.col("is_new") | pl.col("copy_group_id").is_in(list(rep_changed))).select("article_id", "copy_group_id").iter_rows()
        if a != rep_of[g]]
    night_bodies = dict(arts.select("article_id", "body").iter_rows())
    earlier = sorted({x for a, _, rep in to_diff for x in (a, rep)} - night_ids)
    night_bodies.update(state.bodies.of(earlier).select("article_id", "body").iter_rows())
    shingles_of = dict(zip(arts["article_id"].to_list(), new_shingles))
    earlier_reps = state.fingerprints.filter(
        pl.col("article_id").is_in(sorted({rep_of[g] for g in touched} - night_ids))).unique("article_id", keep="first")
    shingles_of.update(zip(earlier_reps["article_id"].to_list(),
                           stored_shingles(earlier_reps, state.bodies, params.shingle_size)))

    def shingles(a: str) -> np.ndarray:
        return shingles_of.get(a, np.empty(0, dtype=np.uint32))

    # Diffs for the night's members, and for every member of a group whose representative changed.
    diffable = [(a, g, rep) for a, g, rep in to_diff
                if night_bodies.get(a) is not None and night_bodies.get(rep) is not None]
    diff_rows = [(g, a, rep, op, i, s)
                 for (a, g, rep), rows in zip(diffable, representative_diffs(
                     [(night_bodies[a], night_bodies[rep]) for a, _, rep in diffable], workers=workers))
                 for op, i, s in rows]
    diffs = pl.DataFrame(diff_rows, schema=DIFF_SCHEMA, orient="row")
    del diff_rows, diffable, night_bodies  # the night's bodies as Python strings: not held through the story pass

    group_story = dict(arts.select("copy_group_id", "story_id").unique().iter_rows())
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
            story_similarity=pl.lit(1.0, dtype=pl.Float64),  # set from the story pass below
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

    fingerprints = arts.select(
        "article_id", "copy_group_id", "story_id", "outlet", "published_date", "n_shingles",
        "body_hash", "minhash", "shingles",  # computed by copy_stage
    ).cast(FINGERPRINT_SCHEMA)
    doc_terms = founders.select(
        "copy_group_id", "article_id", "published_date",
        story_id=pl.col("copy_group_id").replace_strict(group_story, default=None, return_dtype=pl.String),
    ).with_columns(
        term_ids=list_series([t[0] for t in new_terms], pl.UInt32),
        term_weights=list_series([t[1] for t in new_terms], pl.Float32),
        pairs_threshold=pl.lit(params.kept_pair_threshold, dtype=pl.Float32),
    ).select(list(DOC_TERMS_SCHEMA)).cast(DOC_TERMS_SCHEMA)

    titles = dict(arts.select("article_id", "title").iter_rows())
    stories = _story_pass(state, fingerprints, doc_terms, copy_groups, titles, set(arts["story_id"].to_list()),
                          earliest_new, params)
    members = members.with_columns(story_similarity=pl.col("copy_group_id").replace_strict(
        stories.similarity, default=1.0, return_dtype=pl.Float64))
    return NightResult(members=members, copy_groups=copy_groups, stories=stories.stories, diffs=diffs,
                       fingerprints=fingerprints, doc_terms=doc_terms, merges=stories.merges, unmerges=stories.unmerges,
                       group_pairs=stories.group_pairs)


@dataclass
class StoryPass:
    stories: pl.DataFrame  # snapshot rows of every story id the night changed
    merges: pl.DataFrame
    unmerges: pl.DataFrame
    similarity: dict[str, float]  # new copy group -> average cosine to the other copy groups of its story
    group_pairs: pl.DataFrame  # pairs to keep (GROUP_PAIR_SCHEMA)


_FP_COLUMNS = ["article_id", "copy_group_id", "story_id", "outlet", "published_date"]


def _story_pass(state: StoryState, night_fp: pl.DataFrame, night_terms: pl.DataFrame, night_groups: pl.DataFrame,
                night_titles: dict[str, str], touched: set[str], earliest_new: date, params: StoryParams) -> StoryPass:
    """Stories = average link (story_threshold) over the fragments, recomputed where tonight can change them.

    The pool is every fragment whose time window reaches tonight (last member published at most
    story_window_days + max_story_span_days before the night's earliest article) plus the fragments it is
    currently merged with. Inside the pool, the pass re-clusters the fragments connected to tonight's
    (a pair of copy groups at cosine >= story_threshold, transitively) and their current story mates:
    average link is exact per connected component, and a component that tonight did not touch keeps
    its stories, as does a story too old to take any of tonight's fragments (span) that tonight did not
    add to. Each merged group's id is its fragment whose founding article was published first
    (then lowest article id), so a rerun and the batch pick the same kind of id.
    """
    fp = pl.concat([
        state.fingerprints.filter(~pl.col("article_id").is_in(night_fp["article_id"].implode())).select(_FP_COLUMNS),
        night_fp.select(_FP_COLUMNS),
    ])
    terms = pl.concat([state.doc_terms.select(night_terms.columns), night_terms])
    prev = state.stories
    old_into = {s: m for s, m in prev.select("story_id", "merged_into").iter_rows() if m is not None}
    old_root_of = _resolve_story(prev)

    def old_root(s: str) -> str:
        return old_root_of.get(s, s)

    spans = _fragment_spans(fp)
    with_terms = set(terms["story_id"].to_list())
    known = set(spans["story_id"].to_list()) & with_terms  # fragments whose members and vectors are loaded
    old_groups: dict[str, set[str]] = {}
    for s in set(prev["story_id"].to_list()) | known:
        old_groups.setdefault(old_root(s), set()).add(s)
    cutoff = earliest_new - timedelta(days=params.story_window_days + params.max_story_span_days)
    pool: set[str] = set()
    for s in spans.filter(pl.col("last_seen") >= cutoff)["story_id"].to_list():
        pool |= old_groups.get(old_root(s), {s})
    frag_ids = sorted(pool & known)
    empty = StoryPass(pl.DataFrame(schema=STORY_SCHEMA), pl.DataFrame(schema=MERGE_SCHEMA),
                      pl.DataFrame(schema=UNMERGE_SCHEMA), {}, pl.DataFrame(schema=GROUP_PAIR_SCHEMA))
    if not frag_ids:
        return empty
    fidx = {s: i for i, s in enumerate(frag_ids)}
    n_f = len(frag_ids)
    t = terms.filter(pl.col("story_id").is_in(frag_ids)).sort("story_id", "copy_group_id")
    vectors = tfidf(raw_matrix(t["term_ids"], t["term_weights"]), name_share=params.name_share)
    doc_frag = t["story_id"].replace_strict(fidx, return_dtype=pl.Int64).to_numpy()
    starts = np.searchsorted(doc_frag, np.arange(n_f))
    ends = np.searchsorted(doc_frag, np.arange(n_f), side="right")
    onehot = sp.csr_matrix((np.ones(len(doc_frag), dtype=np.float32), (doc_frag, np.arange(len(doc_frag)))),
                           shape=(n_f, len(doc_frag)))
    sums = sp.csr_matrix(onehot @ vectors)
    sizes = (ends - starts).astype(np.float64)

    # ---- reach: fragments connected to tonight's, with their current story mates ------------------
    def mates(ks) -> set[int]:
        out = set()
        for k in ks:
            out |= {fidx[m] for m in old_groups[old_root(frag_ids[k])] if m in fidx}
        return out

    # A story that started more than max_story_span_days before tonight's first article can take none of
    # tonight's fragments: unless tonight added to one of its fragments it is closed and kept as it is
    # (re-clustering it would only reshuffle old stories at the span limit, not follow new evidence).
    first_day = np.array([_day(d) for d in spans.sort("story_id").filter(pl.col("story_id").is_in(frag_ids))["first_seen"]])
    group_first: dict[str, int] = {}
    for k, s in enumerate(frag_ids):
        r = old_root(s)
        group_first[r] = min(group_first.get(r, first_day[k]), first_day[k])
    touched_roots = {old_root(s) for s in touched}
    earliest_open = _day(earliest_new) - params.max_story_span_days
    is_open = np.array([old_root(s) in touched_roots or group_first[old_root(s)] >= earliest_open for s in frag_ids], dtype=bool)

    round_pairs, kept = _pair_source(t, night_terms["copy_group_id"], state.group_pairs, vectors, params)
    reached = np.zeros(n_f, dtype=bool)
    reached[list(mates(fidx[s] for s in touched if s in fidx))] = True
    frontier = reached.copy()
    edges_a, edges_b = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
    all_a, all_b = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]  # closed ends included
    while frontier.any():
        rows = np.flatnonzero(frontier[doc_frag])
        # an earlier round's rows were paired with every row then, these included; those pairs are
        # edges already (every frontier fragment is open), so this round leaves their columns out
        done = np.flatnonzero((reached & ~frontier)[doc_frag])
        pair_row, pair_col = round_pairs(rows, done)
        keep = is_open[doc_frag[pair_col]]
        all_a.append(doc_frag[pair_row])
        all_b.append(doc_frag[pair_col])
        a, b = all_a[-1][keep], all_b[-1][keep]
        edges_a.append(a)
        edges_b.append(b)
        new = np.zeros(n_f, dtype=bool)
        new[b] = True
        new &= ~reached
        new[list(mates(np.flatnonzero(new)))] = True
        new &= ~reached
        reached |= new
        frontier = new
    comp = components(n_f, np.concatenate(edges_a), np.concatenate(edges_b))
    all_a, all_b = np.concatenate(all_a), np.concatenate(all_b)

    founding = dict(prev.select("story_id", "founding_article_id").iter_rows())
    firsts = (night_fp.sort("published_date", "article_id").group_by("story_id", maintain_order=True).first()
              .select("story_id", "article_id"))
    earliest = (fp.filter(pl.col("story_id").is_in(frag_ids)).sort("published_date", "article_id")
                .group_by("story_id", maintain_order=True).first().select("story_id", "article_id"))
    for s, a in pl.concat([firsts, earliest]).iter_rows():  # tonight's founders, else (no stored row) the earliest member
        founding.setdefault(s, a)
    published = dict(fp.filter(pl.col("article_id").is_in(list(founding.values()))).select("article_id", "published_date").iter_rows())
    span_of = {s: (f, last) for s, f, last in spans.select("story_id", "first_seen", "last_seen").iter_rows()}

    def survivor_key(s: str) -> tuple:
        f = founding.get(s, s)
        return (published.get(f, span_of[s][0]), f, s)

    new_root: dict[str, str] = {}
    reached_idx = np.flatnonzero(reached)
    for positions in label_groups(comp[reached_idx]):
        ks = reached_idx[positions]
        if len(ks) == 1:
            label = np.zeros(1, dtype=np.int64)
        else:
            items = [Item(list(range(starts[k], ends[k])), False, _day(span_of[frag_ids[k]][0]), _day(span_of[frag_ids[k]][1]))
                     for k in ks]
            label, _ = agglomerate(items, vectors, params.story_threshold, params.max_story_span_days,
                                   relative=params.relative_closeness,
                                   pairs=_component_pairs(all_a, all_b, ks.tolist(), len(items)))
        for positions in label_groups(label):
            group = [frag_ids[k] for k in ks[positions]]
            root = min(group, key=survivor_key)
            for s in group:
                new_root[s] = root

    # ---- what changed: merged_into values, and live stories whose fragments changed or grew ----------
    new_groups: dict[str, list[str]] = {}
    for s in sorted(new_root):
        new_groups.setdefault(new_root[s], []).append(s)

    def into(s: str) -> str | None:
        return None if new_root[s] == s else new_root[s]

    def link(k: int, others: list[int]) -> float | None:
        if not others:
            return None
        rest = np.asarray(sums[others].sum(axis=0)).ravel()
        return float((sums[k] @ rest)[0] / (sizes[k] * sizes[others].sum()))

    counts = dict(fp.group_by("story_id").len().iter_rows())
    rows_for = set(touched) & set(new_root)
    merges, unmerges = [], []
    for s in sorted(new_root):
        now, was = into(s), old_into.get(s)
        if now == was:
            continue
        rows_for.add(s)
        k = fidx[s]
        if now is not None:
            merges.append((s, now, link(k, [fidx[m] for m in new_groups[now] if m != s]), counts[s]))
        if was is not None:
            left = sorted(fidx[m] for m in old_groups[old_root(s)] if m != s and m in fidx)  # a set: fixed sum order
            unmerges.append((s, was, now, link(k, left), counts[s]))
    for root, group in new_groups.items():
        before = {m for m in old_groups.get(root, set()) if m in fidx} if old_root(root) == root else set()
        if set(group) != before or set(group) & touched:
            rows_for.add(root)

    # ---- snapshot rows: a merged fragment describes itself, a live story all its fragments ------------
    pairs = [(s, m) for s in sorted(rows_for) for m in ([s] if into(s) else new_groups[s])]
    assign = pl.DataFrame(pairs, schema={"row_story": pl.String, "story_id": pl.String}, orient="row")
    agg = fp.join(assign, on="story_id").group_by("row_story").agg(
        first_seen=pl.col("published_date").min(), last_seen=pl.col("published_date").max(),
        article_count=pl.len().cast(pl.Int32), outlet_count=pl.col("outlet").n_unique().cast(pl.Int32),
        copy_group_count=pl.col("copy_group_id").n_unique().cast(pl.Int32),
    )
    # Label: headline of the representative of the story's largest copy group (most syndicated version).
    groups_now = pl.concat([
        state.copy_groups.filter(~pl.col("copy_group_id").is_in(night_groups["copy_group_id"].implode())),
        night_groups.select(state.copy_groups.columns),
    ]).select("copy_group_id", "member_count", "first_published", "representative_article_id")
    group_fragment = fp.sort("published_date", "article_id").unique("copy_group_id", keep="first", maintain_order=True).select("copy_group_id", "story_id")
    reps = (
        groups_now.join(group_fragment, on="copy_group_id").join(assign, on="story_id")
        .sort(["member_count", "first_published", "copy_group_id"], descending=[True, False, False])
        .group_by("row_story", maintain_order=True).first().select("row_story", "representative_article_id")
    )
    prev_rep = dict(prev.select("story_id", "representative_article_id").iter_rows())
    # labels: the night's title of a representative, else its stored title, else the story's last label
    labelled = set(reps["representative_article_id"].to_list()) | {prev_rep[s] for s in rows_for if s in prev_rep}
    titles = dict(prev.select("representative_article_id", "label").iter_rows())
    titles.update({a: t for a, t in state.bodies.of(labelled).select("article_id", "title").iter_rows()
                   if t is not None})
    titles.update({a: t for a, t in night_titles.items() if t is not None})
    stories = (
        agg.join(reps, on="row_story", how="left")
        .with_columns(
            representative_article_id=pl.coalesce("representative_article_id",
                                                  pl.col("row_story").replace_strict(prev_rep, default=None)),
            founding_article_id=pl.col("row_story").replace_strict(founding, default=None, return_dtype=pl.String),
            merged_into=pl.col("row_story").replace_strict({s: into(s) for s in rows_for}, default=None, return_dtype=pl.String),
        )
        .with_columns(label=pl.col("representative_article_id").replace_strict(titles, default=None, return_dtype=pl.String))
        .rename({"row_story": "story_id"})
        .select(list(STORY_SCHEMA)).cast(STORY_SCHEMA).sort("story_id")
    )

    # ---- story similarity of tonight's copy groups: average cosine to their story's other copy groups --
    unit = np.array([fidx[new_root.get(s, s)] if new_root.get(s, s) in fidx else fidx[s] for s in frag_ids])
    unit_of = sp.csr_matrix((np.ones(n_f, dtype=np.float32), (unit, np.arange(n_f))), shape=(n_f, n_f))
    unit_sums, unit_sizes = sp.csr_matrix(unit_of @ sums), unit_of @ sizes
    new_rows = np.flatnonzero(t["copy_group_id"].is_in(night_terms["copy_group_id"].implode()).to_numpy())
    v = vectors[new_rows]
    own = unit[doc_frag[new_rows]]
    dots = np.asarray(v.multiply(unit_sums[own]).sum(axis=1)).ravel() - np.asarray(v.multiply(v).sum(axis=1)).ravel()
    others = unit_sizes[own] - 1
    sim = np.where(others > 0, np.clip(dots / np.maximum(others, 1), 0.0, 1.0), 1.0)
    similarity = dict(zip(t["copy_group_id"].gather(new_rows).to_list(), sim.tolist()))

    return StoryPass(
        stories=stories,
        merges=pl.DataFrame(merges, schema=MERGE_SCHEMA, orient="row"),
        unmerges=pl.DataFrame(unmerges, schema=UNMERGE_SCHEMA, orient="row"),
        similarity=similarity,
        group_pairs=kept,
    )


PairSource = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _pair_source(terms: pl.DataFrame, night_groups: pl.Series, kept_pairs: pl.DataFrame, vectors: sp.csr_matrix,
                 params: StoryParams) -> tuple[PairSource, pl.DataFrame]:
    """How the story pass's rounds find their pairs, and the pairs tonight keeps for later nights.

    ``terms``: the pass's vectors' rows (copy_group_id, pairs_threshold). A round asks for the pairs at
    >= story_threshold of its ``rows`` (matrix rows) with every row but ``done``; it gets (row, column)
    matrix indices.

    Without kept pairs (``kept_pair_threshold`` None) each round multiplies its rows against the pool.
    With them the pool's pairs are known before the rounds: the rows that need pairing (tonight's copy
    groups, and groups whose pairs were not kept at this margin) are multiplied against the whole pool
    at ``kept_pair_threshold``, once; the pairs kept by earlier nights between the other rows get their
    cosines under tonight's weights (``pair_dots``: the kernel's float32 values), and a round selects
    among those at >= story_threshold. The two give the same edges unless a pair that earlier nights
    found below the margin reaches story_threshold tonight, or the older of the two was outside the
    newer one's pool on its night (its last member more than story_window_days + max_story_span_days
    earlier, brought back by a night of old publication dates). The second kind can never share a
    story (span), so it changes at most which fragments the pass re-clusters, not a link.
    """
    if params.kept_pair_threshold is None:
        def multiplied(rows: np.ndarray, done: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            r, c, _ = pairs_within(vectors, rows, params.story_threshold, skip=done)
            return rows[r], c

        return multiplied, pl.DataFrame(schema=GROUP_PAIR_SCHEMA)

    vectors = sorted_rows(vectors)  # once here, not in both pairs_within and pair_dots
    n = terms.height
    groups = terms["copy_group_id"]
    kept_at = terms["pairs_threshold"].fill_null(np.inf).to_numpy()
    fresh = groups.is_in(night_groups.implode()).to_numpy() | (kept_at > params.kept_pair_threshold)
    fresh_rows = np.flatnonzero(fresh)
    r, c, v = pairs_within(vectors, fresh_rows, params.kept_pair_threshold)
    r = fresh_rows[r]
    other = r != c
    r, c, v = r[other], c[other], v[other]
    found = pl.DataFrame({"a": groups.gather(r), "b": groups.gather(c), "similarity": v})
    kept = found.select(
        copy_group_id=pl.when(pl.col("a") < pl.col("b")).then("a").otherwise("b"),
        paired_copy_group_id=pl.when(pl.col("a") < pl.col("b")).then("b").otherwise("a"),
        similarity="similarity",
    ).unique(["copy_group_id", "paired_copy_group_id"]).sort("copy_group_id", "paired_copy_group_id")

    # earlier nights' pairs between rows not paired again tonight, once each, with tonight's cosines
    row_of = pl.DataFrame({"copy_group_id": groups, "row": np.arange(n, dtype=np.int64)})
    stored = (kept_pairs.select("copy_group_id", "paired_copy_group_id")
              .join(row_of, on="copy_group_id")
              .join(row_of.rename({"copy_group_id": "paired_copy_group_id", "row": "paired_row"}), on="paired_copy_group_id"))
    sa, sb = stored["row"].to_numpy(), stored["paired_row"].to_numpy()
    earlier = ~(fresh[sa] | fresh[sb]) & (sa != sb)
    key = np.unique(np.minimum(sa, sb)[earlier] * n + np.maximum(sa, sb)[earlier])
    sa, sb = key // n, key % n
    edge = pair_dots(vectors, sa, sb) >= np.float32(params.story_threshold)
    sa, sb = sa[edge], sb[edge]
    edge = v >= np.float32(params.story_threshold)
    mirror = edge & ~fresh[c]  # a pair of two fresh rows came in both directions already
    edge_row = np.concatenate([r[edge], c[mirror], sa, sb])
    edge_col = np.concatenate([c[edge], r[mirror], sb, sa])

    def selected(rows: np.ndarray, done: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        in_rows, in_done = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        in_rows[rows] = True
        in_done[done] = True
        pick = in_rows[edge_row] & ~in_done[edge_col]
        return edge_row[pick], edge_col[pick]

    return selected, kept


def resolve_members(members: pl.DataFrame, stories: pl.DataFrame) -> pl.DataFrame:
    """``members`` with story_id replaced by the live story (merged_into chains of ``stories`` followed)."""
    return members.with_columns(pl.col("story_id").replace(_resolve_story(stories)))


def apply_night(state: StoryState, result: NightResult, articles: pl.DataFrame) -> StoryState:
    """The state the warehouse would hold after writing ``result`` (for tests, benchmarks, replays)."""
    def latest(old: pl.DataFrame, new: pl.DataFrame, key: str) -> pl.DataFrame:
        return pl.concat([old.filter(~pl.col(key).is_in(new[key].implode())), new.select(old.columns)])

    return StoryState(
        fingerprints=pl.concat([state.fingerprints, result.fingerprints.select(state.fingerprints.columns)]),
        bodies=state.bodies.with_frame(articles.select("article_id", pl.col("body").fill_null(""), "title")),
        doc_terms=pl.concat([state.doc_terms, result.doc_terms.select(state.doc_terms.columns)]),
        copy_groups=latest(state.copy_groups, result.copy_groups, "copy_group_id"),
        stories=latest(state.stories, result.stories, "story_id"),
        group_pairs=pl.concat([state.group_pairs, result.group_pairs.select(state.group_pairs.columns)]),
    )


def prune_state(state: StoryState, night: date, params: StoryParams = StoryParams()) -> StoryState:
    """Keep what ``state_sql`` would load for ``night``: rows of the windows, stories still active."""
    since = night - timedelta(days=max(params.copy_window_days, params.story_window_days + params.max_story_span_days) + params.max_published_lag_days)
    active = state.stories.filter(pl.col("last_seen") >= since)["story_id"].implode()
    fp = state.fingerprints.filter(pl.col("story_id").is_in(active) | (pl.col("published_date") >= since))
    doc_terms = state.doc_terms.filter(pl.col("story_id").is_in(active))
    groups = doc_terms["copy_group_id"].implode()
    return StoryState(
        fingerprints=fp,
        bodies=state.bodies.within(fp["article_id"].to_list()),
        doc_terms=doc_terms,
        copy_groups=state.copy_groups.filter(pl.col("last_published") >= since),
        stories=state.stories.filter(pl.col("story_id").is_in(active)),
        group_pairs=state.group_pairs.filter(pl.col("copy_group_id").is_in(groups)
                                             & pl.col("paired_copy_group_id").is_in(groups)),
    )

"""The claims stage: articles + story membership -> the seven claims tables (polars DataFrames)."""

import datetime as dt
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain

import numpy as np
import polars as pl
import pyarrow as pa

from wiretrace.claims.align import (
    CLAIM_COLUMNS,
    CONFLICT_COLUMNS,
    MENTION_COLUMNS,
    align_story,
)
from wiretrace.claims.dates import extract_dates
from wiretrace.claims.normalize import canonicalise_speakers
from wiretrace.claims.quantities import extract_quantities
from wiretrace.claims.quotes import extract_quotes
from wiretrace.claims.sentences import split_sentences
from wiretrace.cores import batched, fresh_process_context, process_map

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "sentences": {"sentence_id": pl.String, "article_id": pl.String, "sentence_no": pl.Int32,
                  "char_start": pl.Int32, "char_end": pl.Int32, "text": pl.String},
    "quotes": {"quote_id": pl.String, "article_id": pl.String, "sentence_id": pl.String, "quote_text": pl.String,
               "char_start": pl.Int32, "char_end": pl.Int32, "kind": pl.String, "cue_verb": pl.String,
               "speaker_text": pl.String, "speaker_start": pl.Int32, "speaker_end": pl.Int32,
               "speaker_name": pl.String, "speaker_key": pl.String, "speaker_resolution": pl.String,
               "confidence": pl.Float64, "extracted_speaker_name": pl.String},
    "quantities": {"quantity_id": pl.String, "article_id": pl.String, "char_start": pl.Int32,
                   "char_end": pl.Int32, "surface": pl.String, "value": pl.Float64, "unit": pl.String,
                   "qualifier": pl.String, "normalised": pl.String},
    "dates": {"date_id": pl.String, "article_id": pl.String, "char_start": pl.Int32, "char_end": pl.Int32,
              "surface": pl.String, "resolved_date": pl.Date, "granularity": pl.String, "relative": pl.Boolean},
    "claims": {"claim_id": pl.String, "story_id": pl.String, "claim_type": pl.String,
               "canonical_text": pl.String, "claimant": pl.String, "value": pl.Float64,
               "article_count": pl.Int32, "outlet_count": pl.Int32, "copy_group_count": pl.Int32,
               "mention_count": pl.Int32, "first_article": pl.String},
    "claim_mentions": {"claim_id": pl.String, "article_id": pl.String, "copy_group_id": pl.String,
                       "char_start": pl.Int32, "char_end": pl.Int32, "text": pl.String,
                       "speaker_name": pl.String, "slot_numbers": pl.List(pl.Float64),
                       "slot_names": pl.List(pl.String), "slot_dates": pl.List(pl.Date)},
    "conflicts": {"conflict_id": pl.String, "story_id": pl.String, "claim_id": pl.String,
                  "conflict_type": pl.String, "value_a": pl.String, "article_a": pl.String,
                  "a_start": pl.Int32, "a_end": pl.Int32, "value_b": pl.String, "article_b": pl.String,
                  "b_start": pl.Int32, "b_end": pl.Int32},
}


COLUMNS = {name: tuple(schema) for name, schema in SCHEMAS.items()}
assert (COLUMNS["claims"], COLUMNS["claim_mentions"], COLUMNS["conflicts"]) == \
    (CLAIM_COLUMNS, MENTION_COLUMNS, CONFLICT_COLUMNS), "align_story builds its row tuples in schema order"


@dataclass
class ClaimsResult:
    sentences: pl.DataFrame
    quotes: pl.DataFrame
    quantities: pl.DataFrame
    dates: pl.DataFrame
    claims: pl.DataFrame
    claim_mentions: pl.DataFrame
    conflicts: pl.DataFrame

    def tables(self) -> dict[str, pl.DataFrame]:
        """Table name (without the ``claims.`` schema) -> DataFrame."""
        return {name: getattr(self, name) for name in SCHEMAS}


# The per-article tables: one article's rows depend on its body and date only, so they can be stored
# and reused when a later night extends the article's story (only alignment needs the whole story).
PER_ARTICLE_TABLES = ("sentences", "quotes", "quantities", "dates")
# Of those, the tables whose rows of a reused article are exactly its stored rows: they are not returned
# again (nor rewritten). Quotes are: their speaker_name takes the story's spelling, which tonight can change.
STORED_AS_IS_TABLES = ("sentences", "quantities", "dates")


def process_article(article_id: str, body: str, published: dt.date | None):
    spans = split_sentences(body)
    sentences = [dict(sentence_id=f"{article_id}:s{i}", article_id=article_id, sentence_no=i, char_start=s,
                      char_end=e, text=body[s:e]) for i, (s, e) in enumerate(spans)]
    quotes = extract_quotes(article_id, body, spans)
    for q in quotes:
        q["extracted_speaker_name"] = q["speaker_name"]  # speaker_name may take the story's spelling later
    quantities = extract_quantities(article_id, body)
    for i, q in enumerate(quantities):
        q["quantity_id"] = f"{article_id}:n{i}"
    dates = extract_dates(article_id, body, published)
    for i, d in enumerate(dates):
        d["date_id"] = f"{article_id}:d{i}"
    return sentences, quotes, quantities, dates


def process_story(task) -> dict[str, list[tuple]]:
    """All tables of one story, each as a list of row tuples in SCHEMAS column order (tuples transpose
    into columns far faster than dicts: _process_units makes them DataFrames)."""
    story_id, articles = task
    out = {name: [] for name in SCHEMAS}
    arts, reused = {}, set()
    for order, a in enumerate(articles):
        body = a["body"] or ""
        stored = a.get("stored")
        if stored is not None:
            reused.add(a["article_id"])
        s, q, n, d = stored if stored is not None else process_article(a["article_id"], body, a["published_date"])
        out["sentences"] += s
        out["quotes"] += q
        out["quantities"] += n
        out["dates"] += d
        arts[a["article_id"]] = dict(body=body, outlet=a["outlet"], copy_group_id=a["copy_group_id"], order=order)
    # one spelling of each speaker per story (defence/Defense), before claims take their claimants
    canonicalise_speakers(out["quotes"], {a: v["order"] for a, v in arts.items()})
    claims, mentions, conflicts = align_story(
        story_id, arts, out["sentences"], out["quotes"], out["quantities"], out["dates"])
    rows = {name: [tuple(map(r.get, COLUMNS[name])) for r in out[name]
                   if not (reused and name in STORED_AS_IS_TABLES and r["article_id"] in reused)]
            for name in PER_ARTICLE_TABLES}
    rows.update(claims=claims, claim_mentions=mentions, conflicts=conflicts)  # already tuples
    return rows


# A unit of work is one story, or one article in no story yet: (story_id or None, its articles as a
# DataFrame slice in story order, its articles' stored rows as {table: DataFrame} or None).
Unit = tuple[str | None, pl.DataFrame, dict[str, pl.DataFrame] | None]


def _units(articles: pl.DataFrame, members: pl.DataFrame,
           stored: dict[str, pl.DataFrame] | None = None) -> tuple[int, Iterator[Unit]]:
    """(how many, the units) in story order. A unit is columnar (slices and partitions, which pickle as
    Arrow buffers): its rows become dicts where it is aligned, in a worker, not in this process."""
    order = (articles.select("article_id", "published_date").with_row_index("row")
             .join(members.select("article_id", "story_id", "copy_group_id").unique("article_id"),
                   on="article_id", how="left")
             # order inside a story: publication date, then id — the first article of a claim is the earliest
             .sort(["story_id", "published_date", "article_id"], nulls_last=True)
             .with_columns(_unit=(pl.col("story_id").is_null() | (pl.col("story_id") != pl.col("story_id").shift()))
                           .fill_null(True).cum_sum() - 1))
    units = order.group_by("_unit", maintain_order=True).agg(pl.col("story_id").first(), length=pl.len())
    source = articles.select("article_id", "outlet", "body", "published_date")
    stored_of = _stored_by_unit(stored, order.select("article_id", "_unit")) if stored else {}

    def build() -> Iterator[Unit]:
        # the units' rows are gathered GATHER_ROWS articles at a time, as the pool takes them: only that
        # window and the stories in flight hold a copy of their bodies
        start, window, window_start = 0, None, 0
        for unit, story_id, length in units.iter_rows():
            if window is None or start + length > window_start + window.height:
                rows = order.slice(start, max(length, GATHER_ROWS))
                window = source[rows["row"]].with_columns(copy_group_id=rows["copy_group_id"])
                window_start = start
            yield story_id, window.slice(start - window_start, length), stored_of.get(unit)
            start += length

    return units.height, build()


GATHER_ROWS = 2_000  # articles gathered into story order at once


def _stored_by_unit(stored: dict[str, pl.DataFrame], unit_of: pl.DataFrame) -> dict[int, dict[str, pl.DataFrame]]:
    """Stored per-article rows -> unit number (``_unit`` of ``unit_of``; claims.quantities has a column
    named unit) -> {table: its articles' rows, by article, each article's in the order process_article
    returned them}. Only articles with a stored sentence count as stored (their other tables may have
    no rows)."""
    covered = stored["sentences"].select("article_id").unique()
    frames = dict(stored)
    # quotes carry the sentence they start in by number, and the name their own extraction gave
    frames["quotes"] = stored["quotes"].with_columns(
        sentence_no=pl.col("sentence_id").str.extract(r":s(\d+)$").cast(pl.Int64),
        speaker_name=pl.col("extracted_speaker_name"), speaker_key=pl.lit(None, pl.String))
    by_unit: dict[int, dict[str, pl.DataFrame]] = {}
    for name in PER_ARTICLE_TABLES:
        id_column, letter = _ROW_ID[name]  # ids are numbered in process_article's order (article_id:q0, :q1, ...)
        rows = (frames[name].join(covered, on="article_id", how="semi").join(unit_of, on="article_id")
                .sort("_unit", "article_id", pl.col(id_column).str.extract(f":{letter}(\\d+)$").cast(pl.Int64)))
        for (unit,), part in rows.partition_by("_unit", as_dict=True, include_key=False).items():
            by_unit.setdefault(unit, {})[name] = part
    return by_unit


_ROW_ID = {"sentences": ("sentence_id", "s"), "quotes": ("quote_id", "q"), "quantities": ("quantity_id", "n"),
           "dates": ("date_id", "d")}


def _story_task(unit: Unit) -> tuple[str | None, list[dict]]:
    """A unit as process_story takes it: article dicts, each with its stored (sentences, quotes,
    quantities, dates) lists under "stored" when it has them."""
    story_id, articles, stored = unit
    rows = articles.to_dicts()
    if stored:
        lists: dict[str, tuple[list, list, list, list]] = {
            a: ([], [], [], []) for a in stored["sentences"]["article_id"].unique().to_list()}
        for slot, name in enumerate(PER_ARTICLE_TABLES):
            if name in stored:
                for row in stored[name].to_dicts():
                    lists[row["article_id"]][slot].append(row)
        for r in rows:
            r["stored"] = lists.get(r["article_id"])
    return story_id, rows


def _process_units(units: list[Unit]) -> dict[str, pl.DataFrame]:
    """All tables of a few units, as DataFrames: built where the rows were made, so what crosses the
    process boundary is Arrow buffers, not millions of row tuples (those cost more to unpickle in the
    parent than to build into frames)."""
    rows: dict[str, list[tuple]] = {name: [] for name in SCHEMAS}
    for unit in units:
        for name, part in process_story(_story_task(unit)).items():
            rows[name] += part
    return {name: _frame(rows[name], schema) for name, schema in SCHEMAS.items()}


def extract_claims(articles: pl.DataFrame, members: pl.DataFrame, *, workers: int = 1,
                   stored: dict[str, pl.DataFrame] | None = None) -> ClaimsResult:
    """Claims tables for ``articles`` (article_id, outlet, title, body, published_date) grouped by
    ``members`` (article_id, story_id, copy_group_id). ``workers`` > 1 spreads stories over processes.

    ``stored``: per-article rows written by an earlier run (PER_ARTICLE_TABLES name -> frame with the
    SCHEMAS columns) for articles whose body has not changed since. Those articles are not extracted
    again; their rows are aligned with the rest of their story as if they had been. Of their rows, only
    the quotes come back in the result (speaker names in the story's spelling, which a new copy can
    change): their STORED_AS_IS_TABLES rows are the stored ones, unchanged, and stay where they are."""
    chunks: dict[str, list[pl.DataFrame]] = {name: [] for name in SCHEMAS}
    stream_claims(articles, members, lambda name, frame: chunks[name].append(frame), workers=workers, stored=stored)
    return ClaimsResult(**{name: pl.concat(chunks[name]) if chunks[name] else pl.DataFrame(schema=schema)
                           for name, schema in SCHEMAS.items()})


def stream_claims(articles: pl.DataFrame, members: pl.DataFrame, sink: Callable[[str, pl.DataFrame], None], *,
                  workers: int = 1, stored: dict[str, pl.DataFrame] | None = None) -> dict[str, int]:
    """``extract_claims``, handing the rows to ``sink(table name, frame)`` in chunks of about FLUSH_ROWS
    rows (all tables together) as the stories are done, instead of holding them: a caller that writes
    each chunk out keeps the stage's memory flat in the size of the night. The concatenated chunks of a
    table are ``extract_claims``'s frame, row for row. Returns the rows per table."""
    with _gc_paused():
        return _extract(articles, members, workers, stored, sink)


@contextmanager
def _gc_paused():
    """The stage makes millions of short-lived tuples and no reference cycles worth collecting; Python's
    cyclic GC would rescan the growing result lists again and again (~12% of the stage's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _worker_init() -> None:
    gc.set_threshold(200_000, 50, 1000)  # same reason as _gc_paused, but bounded for a long-lived worker


FLUSH_ROWS = 500_000  # rows (all tables) collected before they go to the sink as one chunk per table
POOL_MIN_ARTICLES = 400  # below this a night's claims take ~2 s: less than starting a pool's workers
                         # (each imports the stage, ~0.8 s: forkserver, as polars must not run in a fork)


def _extract(articles: pl.DataFrame, members: pl.DataFrame, workers: int, stored, sink) -> dict[str, int]:
    n_units, units = _units(articles, members, stored)
    collected: dict[str, list[pl.DataFrame]] = {name: [] for name in SCHEMAS}
    counts = dict.fromkeys(SCHEMAS, 0)
    pending = 0

    def add(frames: dict[str, pl.DataFrame]) -> None:
        nonlocal pending
        for name in SCHEMAS:
            if frames[name].height:
                collected[name].append(frames[name])
                pending += frames[name].height
        if pending >= FLUSH_ROWS:
            flush()

    def flush() -> None:
        nonlocal pending
        for name in SCHEMAS:
            if collected[name]:
                frame = pl.concat(collected[name])
                counts[name] += frame.height
                sink(name, frame)
                collected[name] = []
        pending = 0

    batch = max(1, min(64, n_units // (workers * 8)))
    if workers > 1 and n_units > 1 and articles.height >= POOL_MIN_ARTICLES:
        # units are built as the pool takes them, so only the stories in flight hold their bodies
        for frames in process_map(_process_units, batched(units, batch), workers=workers, batch=1,
                                  initializer=_worker_init, mp_context=fresh_process_context()):
            add(frames)
    else:
        for chunk in batched(units, batch):
            add(_process_units(chunk))
    flush()
    return counts


def _frame(rows: list[tuple], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Row tuples -> DataFrame, column by column (transposed in C by zip)."""
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame([_series(name, col, dtype) for (name, dtype), col in zip(schema.items(), zip(*rows))])


_ARROW_TYPES = {pl.Float64: pa.float64(), pl.String: pa.large_string(), pl.Date: pa.date32()}


def _series(name: str, values, dtype: pl.DataType) -> pl.Series:
    if isinstance(dtype, pl.List):  # flat values + offsets through Arrow: nested Python lists convert slowly
        offsets = np.zeros(len(values) + 1, dtype=np.int32)
        np.cumsum(np.fromiter(map(len, values), np.int32, len(values)), out=offsets[1:])
        flat = pa.array(list(chain.from_iterable(values)), type=_ARROW_TYPES[dtype.inner])
        return pl.Series(name, pa.ListArray.from_arrays(pa.array(offsets), flat)).cast(dtype)
    return pl.Series(name, values, dtype=dtype)

"""``clean_documents``: raw.documents rows → clean.articles, clean.removed_lines, failures, line stats."""

import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor, TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, fields
from typing import Callable, Iterator
from datetime import date, datetime

import numpy as np
import polars as pl
import pyarrow as pa

from wiretrace.cores import fresh_process_context

from .frequency import LINE_STATS_SCHEMA, OutletLineCounter, fingerprint_arrays
from .html import TRAFILATURA_SETTINGS, HtmlCleanError, HtmlExtract, extract_html
from .language import detect_languages
from .lines import LineEngine, removed_rows
from .markup import markdown_flags
from .night import night_lines, split_night, with_rule_features
from .metadata import date_from_url, normalise_agency, parse_date
from .patterns import load_patterns

MIN_STORIES = 3              # distinct stories of one outlet before a recurring line is boilerplate
RARE_LINE_RETENTION_DAYS = 60
HTML_TIMEOUT_S = 120         # one page; a page that takes longer becomes a failure row
POOL_MIN_HTML = 8            # below this many pages a process pool costs more than it saves
POOL_MIN_TEXT = 20000        # documents. Measured on a shared, loaded machine (load ~6 on 2 cores), the
                             # outlet-sharded pool was 2x SLOWER than one process on 8,000 documents (worker
                             # start-up + pickling, and no idle core): only very large nights use it
                             # (benchmarks/bench_clean.py measures it with the threshold forced to 0)
SHARDS_PER_WORKER = 1        # one task per worker: each task pays the pickling of its rows once
SHARD_DOCS = 10_000          # a night is cleaned in groups of whole outlets of about this many documents:
                             # a 100k-document night in one piece peaked at 7.6 GB, in shards of 10k at
                             # 2.5 GB (and 6% faster: the per-night arrays stay cache- and sort-sized)

ARTICLES_SCHEMA = {
    "article_id": pl.String, "document_id": pl.String, "outlet": pl.String, "title": pl.String,
    "dek": pl.String, "body": pl.String, "subheadings": pl.List(pl.String), "published_date": pl.Date,
    "published_source": pl.String, "byline": pl.String, "dateline": pl.String, "wire_credit": pl.String,
    "canonical_url": pl.String, "upstream_source": pl.String, "section": pl.String, "language": pl.String,
    "language_confidence": pl.Float64, "body_chars": pl.Int64, "kept_share": pl.Float64,
}
REMOVED_SCHEMA = {
    "article_id": pl.String, "line_no": pl.Int64, "char_start": pl.Int64, "text": pl.String,
    "reason_code": pl.String, "rule": pl.String, "lifted_as": pl.String,
}
FAILURES_SCHEMA = {"document_id": pl.String, "outlet": pl.String, "reason": pl.String}


@dataclass
class CleanResult:
    articles: pl.DataFrame
    removed_lines: pl.DataFrame
    failures: pl.DataFrame
    line_stats: pl.DataFrame


CLEAN_TABLES = tuple(f.name for f in fields(CleanResult))  # the clean.* tables a night writes
_SCHEMAS = {"articles": ARTICLES_SCHEMA, "removed_lines": REMOVED_SCHEMA, "failures": FAILURES_SCHEMA,
            "line_stats": LINE_STATS_SCHEMA}


def _html_job(args: tuple[str, str | None, dict | None]):
    raw, url, settings = args
    try:
        return extract_html(raw, url, settings)
    except HtmlCleanError as exc:
        return str(exc)


class _HtmlExtractor:
    """trafilatura over a night's pages, shard by shard, in one process pool when it pays (a pool per
    shard would pay its workers' start-up, ~1.5 s of imports, once per shard); a crashed worker fails
    only its page, and the next shard gets a fresh pool."""

    def __init__(self, workers: int, job: Callable[[tuple], object] = _html_job):
        self.workers, self.job = workers, job  # job: one page (tests give one that crashes its worker)
        self.ctx = fresh_process_context()
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "_HtmlExtractor":
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def extract(self, jobs: list[tuple]) -> list:
        if self.workers <= 1 or len(jobs) < POOL_MIN_HTML:
            return [self.job(j) for j in jobs]
        results: list = [None] * len(jobs)
        try:
            if self.pool is None:
                self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=self.ctx)
            futures = {i: self.pool.submit(self.job, job) for i, job in enumerate(jobs)}
            for i, fut in futures.items():
                try:
                    results[i] = fut.result(timeout=HTML_TIMEOUT_S)
                except FutureTimeout:
                    results[i] = f"html extraction timed out after {HTML_TIMEOUT_S}s"
        except BrokenProcessPool:
            # a worker died (e.g. a parser crash): retry the unfinished pages one per pool, so the
            # culprit fails alone
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
            for i in [i for i, r in enumerate(results) if r is None]:
                try:
                    with ProcessPoolExecutor(max_workers=1, mp_context=self.ctx) as single:
                        results[i] = single.submit(self.job, jobs[i]).result(timeout=HTML_TIMEOUT_S)
                except (BrokenProcessPool, FutureTimeout) as exc:
                    results[i] = f"html extraction crashed its worker: {type(exc).__name__}"
        return results


def _hint_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_date(str(value))


def clean_documents(docs: pl.DataFrame, line_stats: pl.DataFrame | None = None, *, workers: int = 1,
                    as_of: date | None = None, min_stories: int = MIN_STORIES,
                    html_settings: dict | None = None, patterns_path: str | None = None) -> CleanResult:
    """Clean one night's documents.

    docs: raw.documents columns document_id, outlet, content_type ('text'|'markdown'|'html'), raw_text,
      source_url, title_hint, published_hint (the last three nullable).
    line_stats: the stored clean.line_stats as the previous night left them (or None on the first night).
      The result is a pure function of (docs, line_stats, as_of): a rerun of a night from the same stored
      stats gives the same rows and the same updated stats (nothing is counted twice).
    workers: processes. HTML pages are extracted in a pool of that size (from ``POOL_MIN_HTML`` pages).
      The line rules run per shard of whole outlets of about ``SHARD_DOCS`` documents (outlets are
      independent for every rule, so the split changes nothing), in turn, or in a pool of ``workers``
      processes once the night holds ``POOL_MIN_TEXT`` documents.
    as_of: the night's date, stamped into line_stats first_seen/last_seen (default: today).

    Rows come in input order; ``stream_clean`` gives the same rows shard by shard without holding them.
    """
    chunks: dict[str, list[pl.DataFrame]] = {name: [] for name in CLEAN_TABLES}
    sharded = stream_clean(docs, line_stats, lambda name, frame: chunks[name].append(frame), workers=workers,
                           as_of=as_of, min_stories=min_stories, html_settings=html_settings,
                           patterns_path=patterns_path)["shards"] > 1
    frames = {name: pl.concat(parts) if parts else pl.DataFrame(schema=_SCHEMAS[name])
              for name, parts in chunks.items()}
    if not sharded:  # one shard: already in input order, line stats as the counter merged them
        return CleanResult(**frames)
    position = docs.select("document_id", _pos=pl.int_range(pl.len())).unique("document_id", keep="first")

    def in_input_order(df: pl.DataFrame, id_col: str) -> pl.DataFrame:
        if not df.height:
            return df
        return (df.join(position, left_on=id_col, right_on="document_id", how="left", maintain_order="left")
                .sort("_pos", maintain_order=True).drop("_pos"))

    stats = frames["line_stats"]
    return CleanResult(
        articles=in_input_order(frames["articles"], "document_id"),
        removed_lines=in_input_order(frames["removed_lines"], "article_id"),
        failures=in_input_order(frames["failures"], "document_id"),
        line_stats=stats.sort(["outlet", "line_hash"]) if stats.height else stats,
    )


def stream_clean(docs: pl.DataFrame, line_stats: pl.DataFrame | None, sink: Callable[[str, pl.DataFrame], None], *,
                 workers: int = 1, as_of: date | None = None, min_stories: int = MIN_STORIES,
                 html_settings: dict | None = None, patterns_path: str | None = None) -> dict[str, int]:
    """``clean_documents``, handing each shard's rows to ``sink(table, frame)`` (tables: ``CLEAN_TABLES``)
    as soon as the shard is clean, instead of holding the night's results: a caller that writes each chunk
    out (the clean asset: Parquet parts) holds the night's raw documents and the shards in flight, not
    every cleaned body and removed line as well. A shard's HTML pages are extracted when the shard's turn
    comes. Chunks arrive shard by shard (rows in input order within a shard); the last ``line_stats``
    chunk carries the stored lines of outlets absent tonight. Returns rows per table and ``shards``."""
    as_of = as_of or date.today()
    workers = max(1, min(workers, os.cpu_count() or 1))
    docs = docs.select("document_id", "outlet", "content_type", "raw_text",
                       *[c for c in ("source_url", "title_hint", "published_hint") if c in docs.columns])
    params = dict(as_of=as_of, min_stories=min_stories, html_settings=html_settings, patterns_path=patterns_path)
    pool = workers > 1 and docs.height >= POOL_MIN_TEXT
    shards = _outlet_shards(docs, max(-(-docs.height // SHARD_DOCS), workers * SHARDS_PER_WORKER if pool else 1))
    counts = {name: 0 for name in CLEAN_TABLES}

    def emit(name: str, frame: pl.DataFrame) -> None:
        if frame.height:
            sink(name, frame)
            counts[name] += frame.height

    for result in _shard_results(docs, line_stats, shards, workers, workers if pool else 1, params):
        for name in CLEAN_TABLES:
            emit(name, getattr(result, name))
    # stored lines of outlets absent tonight: carried over (with the same retention rule); with one shard
    # the shard's counter had every stored line already
    if len(shards) > 1 and line_stats is not None and line_stats.height:
        absent = line_stats.filter(~pl.col("outlet").is_in(docs["outlet"].fill_null("").unique().implode()))
        if absent.height:
            emit("line_stats", OutletLineCounter(absent).merged(as_of, RARE_LINE_RETENTION_DAYS, min_stories))
    return {**counts, "shards": len(shards)}


def _outlet_shards(docs: pl.DataFrame, n: int) -> list[list[int]]:
    """Row indexes split into about ``n`` shards of whole outlets, balanced by characters (greedy)."""
    if n <= 1:
        return [list(range(docs.height))]
    by_outlet: dict[str, list[int]] = {}
    for i, o in enumerate(docs["outlet"].fill_null("").to_list()):
        by_outlet.setdefault(o, []).append(i)
    chars = docs["raw_text"].str.len_chars().fill_null(0).to_numpy()
    weight = {o: int(chars[idxs].sum()) + 500 * len(idxs) for o, idxs in by_outlet.items()}
    shards: list[list[int]] = [[] for _ in range(min(n, len(by_outlet)))]
    load = [0] * len(shards)
    for o in sorted(by_outlet, key=lambda o: -weight[o]):
        k = load.index(min(load))
        shards[k].extend(by_outlet[o])
        load[k] += weight[o]
    return [sorted(s) for s in shards if s]


def _shard_job(args) -> CleanResult:
    rows, extracts, stats, params = args
    return _clean_rows(rows, extracts, stats, **params)


def _shard_results(docs: pl.DataFrame, line_stats, shards: list[list[int]], html_workers: int, workers: int,
                   params: dict) -> Iterator[CleanResult]:
    """Each shard's result, in shard order: the line rules per group of outlets, one after another or in
    a process pool of ``workers``. A shard's pages are extracted and its rows become Python dicts only
    when it is cleaned (or sent), and at most ``workers + 1`` shards are in flight, so memory follows the
    shard size, not the night's."""
    def job(shard: list[int]):
        sub = docs[shard]
        html_idx = np.flatnonzero((sub["content_type"].str.to_lowercase() == "html").fill_null(False).to_numpy()).tolist()
        pages = sub[html_idx].select("raw_text", pl.col("source_url") if "source_url" in sub.columns else
                                     pl.lit(None, pl.String).alias("source_url")).rows()
        extracted = html.extract([(raw, url, params["html_settings"]) for raw, url in pages])
        sub_stats = line_stats if line_stats is not None and line_stats.height else None
        if sub_stats is not None and len(shards) > 1:  # the shard's outlets (absent ones: stream_clean)
            sub_stats = sub_stats.filter(pl.col("outlet").is_in(sub["outlet"].fill_null("").unique().implode()))
        return sub.to_dicts(), dict(zip(html_idx, extracted)), sub_stats, params

    with _HtmlExtractor(html_workers) as html:
        if workers == 1:
            for shard in shards:
                yield _shard_job(job(shard))
            return
        ctx = fresh_process_context()
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            in_flight = deque()
            for shard in shards:
                in_flight.append(pool.submit(_shard_job, job(shard)))
                if len(in_flight) > workers:
                    yield in_flight.popleft().result()
            while in_flight:
                yield in_flight.popleft().result()


def _clean_rows(rows: list[dict], extracts: dict, line_stats: pl.DataFrame | None, *, as_of: date,
                min_stories: int, html_settings: dict | None, patterns_path: str | None) -> CleanResult:
    """The line rules over rows whose HTML (if any) is already extracted (``extracts``: row index →
    HtmlExtract or a failure reason)."""
    patterns = load_patterns(patterns_path)
    engine = LineEngine(patterns, min_stories=min_stories)
    failures: list[dict] = []
    # one columnar split over the night: trafilatura's output (HTML) and the raw text of text/markdown
    texts: dict[int, tuple[str, bool]] = {}
    unknown = []  # text documents that may be markdown exports
    for i, r in enumerate(rows):
        ex = extracts.get(i)
        if isinstance(ex, str):
            failures.append({"document_id": r["document_id"], "outlet": r["outlet"], "reason": ex})
        elif ex is not None:
            texts[i] = (ex.text, False)
        elif r["raw_text"] is None or not r["raw_text"].strip():
            failures.append({"document_id": r["document_id"], "outlet": r["outlet"], "reason": "empty raw text"})
        else:
            is_md = (r["content_type"] or "").lower() == "markdown"
            texts[i] = (r["raw_text"], is_md)
            if not is_md:
                unknown.append(i)
    for i, md in zip(unknown, markdown_flags([rows[i]["raw_text"] for i in unknown])):
        texts[i] = (texts[i][0], md)
    order = sorted(texts)
    # the night's lines and their rule features, columnar (night.py); ``doc`` indexes ``order``
    lines = with_rule_features(split_night([texts[i][0] for i in order], [texts[i][1] for i in order]), patterns)
    outlets = [rows[i]["outlet"] or "" for i in order]
    lines = lines.with_columns(outlet=pl.col("doc").replace_strict(range(len(order)), outlets, return_dtype=pl.String))

    # per-outlet line frequency over distinct stories (tonight + stored nights)
    doc_texts = [""] * len(order)
    joined = lines.group_by("doc", maintain_order=True).agg(pl.col("text").str.join("\n"))
    for d, t in zip(joined["doc"].to_list(), joined["text"].to_list()):
        doc_texts[d] = t
    counter = OutletLineCounter(line_stats)
    counter.add_night(lines.select("doc", "key", "text"), outlets, [rows[i]["document_id"] for i in order],
                      fingerprint_arrays(doc_texts))
    night = night_lines(lines, len(order), [extracts.get(i) is not None for i in order], counter.line_counts())

    results = [engine.run_doc(night, d, outlet=outlets[d], known_title=ex.title if ex else None,
                              shape_rules=ex is None, known_urls=(rows[i].get("source_url"), ex.url if ex else None))
               for d, i in enumerate(order) for ex in (extracts.get(i),)]
    removed_lines = iter(removed_rows(night, [k for res in results for k in res.removed_rows]))
    articles, removed = [], []
    extractor_rule = None
    for i, res in zip(order, results):
        r = rows[i]
        ex = extracts.get(i)
        doc_id = r["document_id"]
        for _ in res.removed_rows:
            removed.append({"article_id": doc_id, **next(removed_lines)})
        if ex is not None:
            if extractor_rule is None:
                extractor_rule = "trafilatura " + " ".join(
                    f"{k}={v}" for k, v in {**TRAFILATURA_SETTINGS, **(html_settings or {})}.items())
            removed.append({"article_id": doc_id, "line_no": None, "char_start": None,
                            "text": "<page markup, navigation and chrome>", "reason_code": "html_extractor",
                            "rule": extractor_rule + f": kept {len(ex.text)} of {len(r['raw_text'])} chars",
                            "lifted_as": None})
        body = "\n\n".join([night.text[k] for k in res.body_rows])
        if not body.strip():
            failures.append({"document_id": doc_id, "outlet": r["outlet"],
                             "reason": f"no body text left after cleaning ({len(res.removed_rows)} lines removed)"})
            continue
        articles.append(_article_row(r, res, ex, body))
    for art, (lang, conf) in zip(articles, detect_languages([a["body"] for a in articles])):
        art["language"], art["language_confidence"] = lang, conf

    return CleanResult(
        articles=_frame(articles, ARTICLES_SCHEMA),
        removed_lines=_frame(removed, REMOVED_SCHEMA),
        failures=_frame(failures, FAILURES_SCHEMA),
        line_stats=counter.merged(as_of, RARE_LINE_RETENTION_DAYS, min_stories),
    )


def _frame(rows: list[dict], schema: dict) -> pl.DataFrame:
    """Rows → DataFrame, built column by column (much faster than row-wise construction)."""
    if not rows:
        return pl.DataFrame(schema=schema)
    columns = {c: _string_lists([r[c] for r in rows]) if schema[c] == pl.List(pl.String) else [r[c] for r in rows]
               for c in schema}
    return pl.DataFrame(columns, schema=schema)


def _string_lists(values: list[list[str]]) -> pl.Series:
    """A List(String) column from Python lists through Arrow offsets (polars' own conversion
    inspects every list: 7x slower on a night of mostly empty subheading lists)."""
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum([len(v) for v in values], out=offsets[1:])
    flat = pa.array([x for v in values for x in v], type=pa.large_string())
    return pl.from_arrow(pa.LargeListArray.from_arrays(offsets.astype(np.int64), flat))


def _article_row(r: dict, res, ex: HtmlExtract | None, body: str) -> dict:
    meta = res.meta
    # published date: page metadata (htmldate) > a date line in the text > the URL > the ingest hint
    published, source = None, None
    candidates = [
        ("metadata", ex.date if ex else None),
        ("text", meta.get("published_date")),
        ("url", date_from_url(r.get("source_url")) or date_from_url(meta.get("canonical_url"))
         or date_from_url(ex.url if ex else None)),
        ("hint", _hint_date(r.get("published_hint"))),
    ]
    for name, value in candidates:
        if value is not None:
            published, source = value, name
            break
    byline = meta.get("byline") or (ex.author if ex else None)
    wire = meta.get("wire_credit") or normalise_agency(byline)
    title = meta.get("title") or (ex.title if ex else None) or r.get("title_hint")
    dek = meta.get("dek") or (ex.description if ex and ex.description and ex.description[:60] not in body else None)
    raw_chars = len(r["raw_text"]) or 1
    return {
        "article_id": r["document_id"], "document_id": r["document_id"], "outlet": r["outlet"],
        "title": title, "dek": dek, "body": body, "subheadings": res.subheadings,
        "published_date": published, "published_source": source, "byline": byline,
        "dateline": meta.get("dateline"), "wire_credit": wire,
        "canonical_url": meta.get("canonical_url") or (ex.url if ex else None),
        "upstream_source": meta.get("upstream_source"),
        "section": meta.get("section") or (ex.section if ex else None),
        "language": None, "language_confidence": None, "body_chars": len(body),  # set for the batch
        "kept_share": round(min(1.0, len(body) / raw_chars), 6),
    }

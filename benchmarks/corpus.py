"""Synthetic nightly corpora for the pipeline benchmark, built from real news text.

Real sentences come from ECB+ (dev.jsonl, 772 articles) and the AEB ground-truth bodies (181 articles)
in /work/shared/corpora. Those ~950 texts are far too few for a million distinct articles, so each
*event* (one original wire story) takes the paragraphs of one real article plus a few of another and
replaces ~35% of its words with words drawn from the real corpus's own word frequencies (capitalised
words from its capitalised words, numbers with new numbers). Distinct events therefore share almost no
4-word shingles (as unrelated news does), while the vocabulary, word frequencies, sentence shapes and
lengths stay those of real news. Their words overlap more: over ten 10k nights ~20 events start from
each real text and read as rewrites of one another, and the story pass joins them (B-cubed precision
0.68 against the events after ten nights). ``CorpusShape(event_sources=k)`` cuts each event from runs of
k articles instead: with 4, near-rewrite pairs of events are 3-4x rarer and that precision is 0.87.

Each event is then published by several outlets, the way syndication looks in a crawl:
* copies of the wire text with light edits (2-5% of words), dropped paragraphs, or truncated to the
  first or second half (the seeds' partial copy), which puts them at Jaccard 0.2-0.7 to the wire text;
* rewrites: the same event in other words (paragraphs shuffled, 30% of words replaced);
* boilerplate lines added per outlet (a recurring header/footer of the outlet, plus common patterns:
  "Subscribe now", "Leave a Reply", "Advertisement", copyright, "Read more:" lines);
* a share of pages as HTML (the text wrapped in a page template with navigation, related links and a
  footer), the rest plain text;
* articles spread over nights: most copies land on the event's night, some on the next one or two.

Everything is deterministic for a given seed. ``generate(n_per_night, nights, ...)`` returns a polars
frame with the raw.documents columns the cleaner takes plus bookkeeping columns (night, event_id,
copy_kind, source_text); ``write_inbox`` writes it as JSON Lines files per night, the form ``scan_inbox`` reads.
"""

import html
import json
import math
import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

# ../shared beside the checkout (WIRETRACE_SHARED to point elsewhere): seeds and public corpora.
SHARED = Path(os.environ.get("WIRETRACE_SHARED") or Path(__file__).resolve().parents[2] / "shared")
CORPORA = SHARED / "corpora"
PARAGRAPH = 0  # token id of the paragraph break
_TOKEN_RE = re.compile(r"\S+")
_NUMBER_RE = re.compile(r"^\d[\d,.]*$")

GENERIC_BOILERPLATE = [
    "Advertisement", "Subscribe now for unlimited access to {name}.", "Leave a Reply",
    "Share this article", "Sign up for our newsletter", "© 2025 {name}. All rights reserved.",
    "Read more: {name} coverage", "Thank you for reading! For more news visit {host}.",
]
HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | {name}</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="{published}">
<link rel="canonical" href="{url}"></head>
<body><header><nav><ul>{nav}</ul></nav><div class="promo">Subscribe to {name} for $1 a week</div></header>
<main><article><h1>{title}</h1><p class="byline">By {byline}</p>
{paragraphs}
</article>
<aside class="related"><h2>Related stories</h2><ul>{related}</ul></aside></main>
<footer><p>© 2025 {name}. All rights reserved.</p><ul>{footer}</ul></footer></body></html>"""
NAV = ["World", "Politics", "Business", "Tech", "Sport", "Culture", "Opinion", "Weather"]
FOOTER = ["About us", "Contact", "Privacy policy", "Terms of use", "Careers", "Advertise"]


@dataclass(frozen=True)
class CorpusShape:
    html_share: float = 0.25          # share of articles delivered as HTML pages
    single_share: float = 0.45        # events published by one outlet only
    max_event_size: int = 40          # largest syndication of one event
    rewrite_share: float = 0.25       # of the non-founding articles of an event: rewrites, not copies
    partial_share: float = 0.15       # of the copies: truncated to one half
    event_substitution: float = 0.35  # words of the real article replaced to make a new event
    copy_edit: tuple[float, float] = (0.02, 0.05)
    rewrite_substitution: float = 0.30
    next_night_share: float = 0.15    # articles of an event that arrive one night later (0.05: two)
    # real articles an event's wire text is cut from. 1: one article's paragraphs plus two of another, so
    # over ten 10k nights ~20 events start from each of the ~950 real texts and read as rewrites of one
    # another. k > 1: a run of ~1/k of the paragraphs of each of k articles (about one article's length),
    # so two events share a real article's run far more rarely
    event_sources: int = 1


class Vocabulary:
    """Token ids over the real corpus; paragraphs of every real article as id arrays."""

    def __init__(self, texts: list[tuple[str, str]]):
        words: dict[str, int] = {"\n\n": PARAGRAPH}
        docs, titles = [], []
        for title, body in texts:
            paras = [p.strip() for p in re.split(r"\n+", body) if p.strip()]
            ids: list[list[int]] = []
            for p in paras:
                ids.append([words.setdefault(w, len(words)) for w in _TOKEN_RE.findall(p)])
            if sum(map(len, ids)) < 40:
                continue
            docs.append([np.asarray(x, dtype=np.int32) for x in ids])
            titles.append(np.asarray([words.setdefault(w, len(words)) for w in _TOKEN_RE.findall(title or "")]
                                     or [1], dtype=np.int32))
        self.words = np.array(list(words), dtype=object)
        self.docs, self.titles = docs, titles
        counts = np.zeros(len(words), dtype=np.float64)
        for d in docs:
            for p in d:
                np.add.at(counts, p, 1)
        counts[PARAGRAPH] = 0
        is_cap = np.array([w[:1].isupper() for w in self.words], dtype=bool)
        is_num = np.array([bool(_NUMBER_RE.match(w)) for w in self.words], dtype=bool)
        plain = (~is_cap) & (~is_num) & (counts > 0)
        self.is_cap, self.is_num = is_cap, is_num
        cap = is_cap & (counts > 0)
        # cumulative frequencies, sampled by searchsorted (rng.choice(p=...) re-sums p on every call)
        self.plain_ids, self.plain_cdf = np.flatnonzero(plain), np.cumsum(counts[plain]) / counts[plain].sum()
        self.cap_ids, self.cap_cdf = np.flatnonzero(cap), np.cumsum(counts[cap]) / counts[cap].sum()
        # numbers are drawn fresh: extend the vocabulary with 0..99999 as strings
        self.number_base = len(self.words)
        self.words = np.concatenate([self.words, np.array([f"{i:,}" for i in range(100000)], dtype=object)])

        # kind of every token id: 0 plain word, 1 capitalised word, 2 number, 3 paragraph break
        self.kind = np.zeros(len(self.words), dtype=np.int8)
        self.kind[: len(is_cap)][is_cap] = 1
        self.kind[: len(is_num)][is_num] = 2
        self.kind[self.number_base:] = 2
        self.kind[PARAGRAPH] = 3

    def substitute(self, ids: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
        """Replace ``share`` of the words, keeping each word's kind (plain / capitalised / number)."""
        out = ids.copy()
        kind = self.kind[out]
        hit = (rng.random(len(out)) < share) & (kind != 3)
        for k, pool, cdf in ((0, self.plain_ids, self.plain_cdf), (1, self.cap_ids, self.cap_cdf)):
            mask = hit & (kind == k)
            n = int(np.count_nonzero(mask))
            if n:
                out[mask] = pool[np.minimum(np.searchsorted(cdf, rng.random(n)), len(pool) - 1)]
        num = hit & (kind == 2)
        n = int(np.count_nonzero(num))
        if n:
            out[num] = self.number_base + rng.integers(0, 100000, size=n)
        return out

    def text(self, ids: np.ndarray) -> str:
        return " ".join(self.words[ids]).replace(" \n\n ", "\n\n").strip()


def _mosaic(sources: list[int], vocab: Vocabulary, rng: np.random.Generator) -> list[np.ndarray]:
    """A run of about 1/len(sources) of the paragraphs of each source article, in order."""
    paras: list[np.ndarray] = []
    for s in sources:
        doc = vocab.docs[s]
        take = max(1, round(len(doc) / len(sources)))
        first = int(rng.integers(len(doc) - take + 1))
        paras += doc[first:first + take]
    return paras


def _paragraph_index(ids: np.ndarray) -> np.ndarray:
    """Paragraph number of every token (a break belongs to the paragraph it opens)."""
    return np.cumsum(ids == PARAGRAPH)


def _join_paragraphs(parts: list[np.ndarray]) -> np.ndarray:
    out = []
    for i, p in enumerate(parts):
        if i:
            out.append(np.array([PARAGRAPH], dtype=np.int32))
        out.append(p)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int32)


def load_real_texts(corpora: Path = CORPORA) -> list[tuple[str, str]]:
    texts = []
    with open(corpora / "ecbplus" / "dev.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts.append((row.get("title") or "", row.get("text") or ""))
    truth = json.loads((corpora / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    for value in truth.values():
        body = value.get("articleBody") or ""
        first = body.split("\n", 1)[0]
        texts.append((" ".join(first.split()[:12]), body))
    # English pages only: AEB has some Russian, Chinese, Korean... pages, which would mix scripts in one text
    return [(t, b) for t, b in texts if b and sum(c.isascii() for c in b) / len(b) > 0.97]


def _outlets(n: int) -> list[dict]:
    stems = ["herald", "tribune", "courier", "gazette", "post", "times", "chronicle", "observer", "journal",
             "dispatch", "standard", "ledger", "sentinel", "monitor", "record", "examiner"]
    out = []
    for i in range(n):
        name = f"The {stems[i % len(stems)].title()} {i // len(stems) + 1}"
        host = f"{stems[i % len(stems)]}{i // len(stems) + 1}.example.com"
        out.append({"name": name, "host": host,
                    "header": f"{name} | news you can trust | edition {i % 7 + 1}",
                    "footer": f"Follow {name} on social media for the latest updates"})
    return out


def _event_sizes(n_articles: int, shape: CorpusShape, rng: np.random.Generator) -> np.ndarray:
    """Articles per event: a share of singletons, the rest Zipf-like up to max_event_size."""
    sizes = []
    total = 0
    ranks = np.arange(2, shape.max_event_size + 1)
    p = 1.0 / ranks ** 1.3
    p /= p.sum()
    while total < n_articles:
        batch = rng.choice(ranks, size=4096, p=p)
        batch[rng.random(4096) < shape.single_share] = 1
        sizes.append(batch)
        total += int(batch.sum())
    sizes = np.concatenate(sizes)
    cut = int(np.searchsorted(np.cumsum(sizes), n_articles)) + 1
    return sizes[:cut]


def generate(n_per_night: int, nights: int = 1, *, start: date = date(2025, 6, 1), seed: int = 0,
             shape: CorpusShape = CorpusShape(), vocabulary: Vocabulary | None = None) -> pl.DataFrame:
    """About ``n_per_night`` articles on each of ``nights`` nights starting at ``start``.

    Columns: document_id, night, outlet, content_type ('text'|'html'), raw_text, source_url, title_hint,
    published_hint (the raw.documents columns the cleaner reads), event_id, copy_kind
    ('original'|'copy'|'partial'|'rewrite'), source_text (index of the real article whose paragraphs the
    event's wire text starts from: events of one source text share ~40% of their words in place).
    """
    rng = np.random.default_rng(seed)
    vocab = vocabulary or Vocabulary(load_real_texts())
    outlets = _outlets(int(min(3000, max(40, n_per_night // 40))))
    total = n_per_night * nights
    sizes = _event_sizes(total, shape, rng)
    # events are founded evenly over the nights
    event_night = np.minimum((np.arange(len(sizes)) * nights) // len(sizes), nights - 1)
    rows: dict[str, list] = {k: [] for k in ("document_id", "night", "outlet", "content_type", "raw_text",
                                            "source_url", "title_hint", "published_hint", "event_id",
                                            "copy_kind", "source_text")}
    n_docs = len(vocab.docs)
    for ev, (size, night_index) in enumerate(zip(sizes.tolist(), event_night.tolist())):
        source = int(rng.integers(n_docs))
        if shape.event_sources > 1:
            paras = _mosaic([source, *rng.integers(n_docs, size=shape.event_sources - 1).tolist()], vocab, rng)
        else:
            base = vocab.docs[source]
            extra = vocab.docs[int(rng.integers(n_docs))]
            paras = list(base) + [extra[int(k)] for k in rng.choice(len(extra), size=min(2, len(extra)), replace=False)]
        wire = vocab.substitute(_join_paragraphs(paras), shape.event_substitution, rng)
        wire_para = _paragraph_index(wire)
        n_paras = int(wire_para[-1]) + 1
        title_ids = vocab.substitute(vocab.titles[int(rng.integers(n_docs))], shape.event_substitution, rng)
        title = vocab.text(title_ids)
        chosen = rng.choice(len(outlets), size=min(size, len(outlets)), replace=False)
        for k, o in enumerate(chosen.tolist()):
            if k == 0:
                kind, body = "original", wire
            elif rng.random() < shape.rewrite_share:
                kind = "rewrite"
                split = np.split(wire, np.flatnonzero(wire == PARAGRAPH))
                parts = [p[p != PARAGRAPH] for p in split]
                body = vocab.substitute(_join_paragraphs([parts[j] for j in rng.permutation(len(parts))]),
                                        shape.rewrite_substitution, rng)
            else:
                keep = rng.random(n_paras) > 0.1
                kind = "copy"
                if rng.random() < shape.partial_share and n_paras > 3:
                    half = np.arange(n_paras) >= n_paras // 2
                    keep &= half if rng.random() < 0.5 else ~half
                    kind = "partial"
                if not keep.any():
                    keep[0] = True
                body = vocab.substitute(wire[keep[wire_para]], rng.uniform(*shape.copy_edit), rng)
            lag = 0 if k == 0 else int(rng.choice(3, p=[1 - shape.next_night_share - 0.05,
                                                         shape.next_night_share, 0.05]))
            ni = min(night_index + lag, nights - 1)  # the last night also gets its own late copies
            night = start + timedelta(days=ni)
            outlet = outlets[o]
            paragraphs = vocab.text(body).split("\n\n")
            slug = "-".join(re.findall(r"[a-z]+", title.lower())[:6]) or "story"
            url = f"https://{outlet['host']}/{night:%Y/%m/%d}/{slug}-{seed}-{ev}-{k}"
            published = night - timedelta(days=int(rng.random() < 0.3))
            if rng.random() < shape.html_share:
                content_type = "html"
                raw = _html_page(title, paragraphs, outlet, url, published, rng)
            else:
                content_type = "text"
                raw = _text_page(title, paragraphs, outlet, rng)
            rows["document_id"].append(f"{ev:08x}{k:04x}{seed:04x}")
            rows["night"].append(night)
            rows["outlet"].append(outlet["host"])
            rows["content_type"].append(content_type)
            rows["raw_text"].append(raw)
            rows["source_url"].append(url)
            rows["title_hint"].append(title)
            rows["published_hint"].append(published.isoformat())
            rows["event_id"].append(ev)
            rows["copy_kind"].append(kind)
            rows["source_text"].append(source)
    return pl.DataFrame(rows, schema={"document_id": pl.String, "night": pl.Date, "outlet": pl.String,
                                      "content_type": pl.String, "raw_text": pl.String, "source_url": pl.String,
                                      "title_hint": pl.String, "published_hint": pl.String,
                                      "event_id": pl.Int64, "copy_kind": pl.String,
                                      "source_text": pl.Int32})


def _generate_chunk(args: tuple) -> pl.DataFrame:
    n_per_night, nights, start, seed, shape = args
    return generate(n_per_night, nights, start=start, seed=seed, shape=shape)


def generate_parallel(n_per_night: int, nights: int = 1, *, start: date = date(2025, 6, 1), seed: int = 0,
                      shape: CorpusShape = CorpusShape(), workers: int = 2, chunk: int = 50_000) -> pl.DataFrame:
    """``generate`` in independent chunks (own seeds, so ids and URLs stay distinct) over a process pool."""
    n_chunks = max(1, math.ceil(n_per_night / chunk))
    sizes = [n_per_night // n_chunks + (i < n_per_night % n_chunks) for i in range(n_chunks)]
    jobs = [(size, nights, start, seed * 1000 + i, shape) for i, size in enumerate(sizes)]
    if n_chunks == 1 or workers <= 1:
        parts = [_generate_chunk(j) for j in jobs]
    else:
        import multiprocessing as mp
        with mp.get_context("spawn").Pool(workers) as pool:
            parts = pool.map(_generate_chunk, jobs)
    parts = [p.with_columns(pl.col("event_id") + i * 10_000_000) for i, p in enumerate(parts)]
    return pl.concat(parts)


def _boilerplate(outlet: dict, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    fill = {"name": outlet["name"], "host": outlet["host"]}
    picks = rng.choice(len(GENERIC_BOILERPLATE), size=3, replace=False)
    generic = [GENERIC_BOILERPLATE[int(i)].format(**fill) for i in picks]
    return [outlet["header"], generic[0]], [generic[1], outlet["footer"], generic[2]]


def _text_page(title: str, paragraphs: list[str], outlet: dict, rng: np.random.Generator) -> str:
    head, tail = _boilerplate(outlet, rng)
    middle = list(paragraphs)
    if len(middle) > 4 and rng.random() < 0.5:  # an ad slot inside the body
        middle.insert(len(middle) // 2, "Advertisement")
    return "\n\n".join([*head, title, *middle, *tail]) + "\n"


def _html_page(title: str, paragraphs: list[str], outlet: dict, url: str, published: date,
               rng: np.random.Generator) -> str:
    esc = html.escape
    related = "".join(f'<li><a href="/story/{int(rng.integers(1e6))}">Related story {i + 1} from '
                      f'{esc(outlet["name"])}</a></li>' for i in range(4))
    return HTML_TEMPLATE.format(
        title=esc(title), name=esc(outlet["name"]), url=esc(url), published=published.isoformat(),
        nav="".join(f'<li><a href="/{n.lower()}">{n}</a></li>' for n in NAV),
        byline=esc(f"Staff writer, {outlet['name']}"),
        paragraphs="\n".join(f"<p>{esc(p)}</p>" for p in paragraphs),
        related=related, footer="".join(f'<li><a href="/{f.lower().replace(" ", "-")}">{f}</a></li>' for f in FOOTER),
    )


def write_inbox(corpus: pl.DataFrame, inbox: Path, *, per_file: int = 2000) -> dict[str, int]:
    """Write each night's articles as JSON Lines under ``inbox/<night>/part-NNNNN.jsonl`` (url, title,
    text|html, published, source) and return {night: articles}. Files stay far below ingest's 20 MB cap."""
    counts = {}
    for (night,), part in corpus.sort("document_id").group_by(["night"], maintain_order=True):
        folder = inbox / night.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        records = part.select("source_url", "title_hint", "content_type", "raw_text", "published_hint", "outlet").rows()
        for f in range(math.ceil(len(records) / per_file)):
            with open(folder / f"part-{f:05d}.jsonl", "w", encoding="utf-8") as fh:
                for url, title, ctype, raw, published, outlet in records[f * per_file:(f + 1) * per_file]:
                    fh.write(json.dumps({"url": url, "title": title, ctype: raw, "published": published,
                                         "source": outlet}, ensure_ascii=False) + "\n")
        counts[night.isoformat()] = len(records)
    return counts

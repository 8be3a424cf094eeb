"""HTML → text lines + metadata through trafilatura, with the guards a nightly job needs.

Settings (measured on AEB by benchmarks/bench_clean.py; see benchmarks/results/clean.md):
* ``favor_precision=True``: trafilatura prunes more aggressively; our line rules then run as a second
  pass over its output. Precision-first extraction plus our pass scored best among the variants.
* ``include_comments=False``: reader comments are not article text.
* ``include_tables=True``: tables in news pages are usually data the article talks about.
* ``deduplicate=False``: trafilatura's dedup keeps a process-wide LRU cache of seen segments, so the
  output would depend on which pages a worker saw before (non-reproducible across workers/reruns);
  within-document repeats are handled by our own 'duplicate' rule instead.
* metadata (title, date via htmldate, author, canonical url, sitename, categories) via
  ``with_metadata=True``.
"""

from dataclasses import dataclass
from datetime import date, datetime

MAX_HTML_BYTES = 8_000_000       # larger pages are not articles (or are attacks): a failure row
MAX_TREE_SIZE = 300_000          # trafilatura's own guard on the number of elements

TRAFILATURA_SETTINGS = dict(
    favor_precision=True,
    favor_recall=False,
    include_comments=False,
    include_tables=True,
    include_images=False,
    include_links=False,
    deduplicate=False,
)


@dataclass
class HtmlExtract:
    text: str
    title: str | None
    author: str | None
    date: date | None
    url: str | None
    sitename: str | None
    section: str | None
    description: str | None
    language: str | None


class HtmlCleanError(Exception):
    """A page that cannot be turned into an article; the message is the failure reason."""


def _as_date(value) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return datetime.strptime(str(value)[:10], "%Y-%m-%d").date()
    except ValueError:
        return None


_CONFIG = None


def _config():
    """trafilatura's settings with our element cap (its own default has none)."""
    global _CONFIG
    if _CONFIG is None:
        from trafilatura.settings import use_config
        _CONFIG = use_config()
        _CONFIG.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_TREE_SIZE))
    return _CONFIG


def extract_html(raw: str, url: str | None = None, settings: dict | None = None) -> HtmlExtract:
    """Run trafilatura on one page. Raises HtmlCleanError (never anything else) on a bad page."""
    import trafilatura  # lazily: the text path must not pay its import

    if raw is None or not raw.strip():
        raise HtmlCleanError("empty html")
    size = len(raw.encode("utf-8", "surrogatepass")) if len(raw) * 4 > MAX_HTML_BYTES else len(raw)
    if size > MAX_HTML_BYTES:
        raise HtmlCleanError(f"html too large: {size} bytes > {MAX_HTML_BYTES}")
    opts = dict(TRAFILATURA_SETTINGS)
    if settings:
        opts.update(settings)
    try:
        doc = trafilatura.bare_extraction(raw, url=url, with_metadata=True, config=_config(), **opts)
    except RecursionError:
        raise HtmlCleanError("html nested too deeply for the parser") from None
    except MemoryError:
        raise HtmlCleanError("html too large for memory") from None
    except Exception as exc:  # trafilatura/lxml raise many types on hostile input
        raise HtmlCleanError(f"trafilatura failed: {type(exc).__name__}: {str(exc)[:200]}") from None
    if doc is None or not (doc.text or "").strip():
        raise HtmlCleanError("no article text found by trafilatura")
    cats = doc.categories or []
    return HtmlExtract(
        text=doc.text, title=doc.title, author=doc.author, date=_as_date(doc.date), url=doc.url,
        sitename=doc.sitename, section=(cats[0] if cats else None), description=doc.description,
        language=doc.language)

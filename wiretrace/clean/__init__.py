"""Cleaning stage: boilerplate stripping and metadata lifting (issue 3).

Entry point: ``clean_documents(docs, line_stats=None, *, workers=1) -> CleanResult`` with
``.articles`` (clean.articles), ``.removed_lines`` (clean.removed_lines), ``.failures`` (documents
that could not be cleaned, with a reason) and ``.line_stats`` (clean.line_stats for the next night).
``stream_clean`` hands the same rows over shard by shard (the asset writes them to Parquet parts).
"""

from .pipeline import CLEAN_TABLES, CleanResult, clean_documents, stream_clean

__all__ = ["CLEAN_TABLES", "CleanResult", "clean_documents", "stream_clean"]

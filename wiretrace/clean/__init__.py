"""Cleaning stage: boilerplate stripping and metadata lifting (issue 3).

Entry point: ``clean_documents(docs, line_stats=None, *, workers=1) -> CleanResult`` with
``.articles`` (clean.articles), ``.removed_lines`` (clean.removed_lines), ``.failures`` (documents
that could not be cleaned, with a reason) and ``.line_stats`` (clean.line_stats for the next night).
"""

from .pipeline import CleanResult, clean_documents

__all__ = ["CleanResult", "clean_documents"]

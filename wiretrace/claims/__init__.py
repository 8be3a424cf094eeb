"""Claims stage: sentences, quotes with speakers, quantities, dates, and claims aligned across the copies
of a story with agreement counts and typed conflicts. Every row carries offsets into the article body."""

from wiretrace.claims.pipeline import (
    PER_ARTICLE_TABLES,
    SCHEMAS,
    STORED_AS_IS_TABLES,
    ClaimsResult,
    extract_claims,
    stream_claims,
)

__all__ = ["PER_ARTICLE_TABLES", "SCHEMAS", "STORED_AS_IS_TABLES", "ClaimsResult", "extract_claims", "stream_claims"]

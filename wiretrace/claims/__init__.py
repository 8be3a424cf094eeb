"""Claims stage: sentences, quotes with speakers, quantities, dates, and claims aligned across the copies
of a story with agreement counts and typed conflicts. Every row carries offsets into the article body."""

from wiretrace.claims.pipeline import SCHEMAS, ClaimsResult, extract_claims

__all__ = ["SCHEMAS", "ClaimsResult", "extract_claims"]

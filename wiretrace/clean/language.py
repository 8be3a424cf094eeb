"""Language identification with py3langid (normalised probabilities)."""

from functools import lru_cache

SAMPLE_CHARS = 1000  # the first 1,000 characters decide: stable for news prose, and cheap


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str | None, float | None]:
    """(ISO 639-1 code, probability in [0, 1]) of ``text``; (None, None) for empty text."""
    if not text or not text.strip():
        return None, None
    lang, prob = _identifier().classify(text[:SAMPLE_CHARS])
    return lang, round(float(prob), 4)

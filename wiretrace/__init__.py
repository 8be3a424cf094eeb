"""wiretrace: the pure-Python text library behind the nightly pipeline.

Nothing in this package imports Dagster: every stage is a plain function over polars DataFrames,
unit-tested alone, and called by the thin assets in ``assets/``.
"""

__version__ = "0.1.0"

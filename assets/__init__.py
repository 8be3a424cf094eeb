"""Dagster assets, one module per stage. Thin: read from DuckDB, call the wiretrace library, write."""

from assets import ingest

ALL_ASSET_MODULES = [ingest]

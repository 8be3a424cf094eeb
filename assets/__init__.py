"""Dagster assets, one module per stage. Thin: read from DuckDB, call the wiretrace library, write."""

from assets import claims, clean, ingest, marts, reports, sources, stories

ALL_ASSET_MODULES = [ingest, clean, stories, claims, reports, marts, sources]

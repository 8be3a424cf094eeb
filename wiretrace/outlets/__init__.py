"""Outlets: the curated directory (outlets.yaml), which outlet each article belongs to, date plausibility.

Entry points: ``load_directory`` (validated outlets.yaml), ``outlet_keys`` (per-article outlet key),
``resolve_keys`` (key -> outlet id), ``build_outlets`` (the marts.outlets directory frame) and
``date_plausibility`` (published_date_plausible + reason + the date windows use).
"""

from wiretrace.outlets.build import KEY_STATS_SCHEMA, OUTLETS_SCHEMA, WIRE_COUNTS_SCHEMA, WIRE_SHARE, build_outlets
from wiretrace.outlets.dates import EARLIEST_PLAUSIBLE, date_plausibility
from wiretrace.outlets.directory import (
    DEFAULT_DIRECTORY,
    OutletDirectory,
    OutletDirectoryError,
    load_directory,
    parse_directory,
)
from wiretrace.outlets.keys import host_of, outlet_id_for_key, outlet_keys, resolve_keys, slug

__all__ = [
    "DEFAULT_DIRECTORY", "EARLIEST_PLAUSIBLE", "KEY_STATS_SCHEMA", "OUTLETS_SCHEMA", "OutletDirectory",
    "OutletDirectoryError", "WIRE_COUNTS_SCHEMA", "WIRE_SHARE", "build_outlets", "date_plausibility",
    "host_of", "load_directory", "outlet_id_for_key", "outlet_keys", "parse_directory", "resolve_keys", "slug",
]

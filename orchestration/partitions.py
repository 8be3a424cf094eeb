"""Nights are daily partitions keyed by ingest date (UTC)."""

import dagster as dg

# end_offset=1 makes today's partition exist, so the inbox sensor can start a run for files landing today.
nightly_partitions = dg.DailyPartitionsDefinition(start_date="2025-01-01", timezone="UTC", end_offset=1)

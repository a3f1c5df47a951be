"""Ingestion: study configuration and one raw asset per SDTM domain, partitioned by study."""

import dagster as dg

from orchestration.defs.ingest.assets import build_raw_assets
from orchestration.defs.ingest.sensors import raw_feed_sensor

defs = dg.Definitions(assets=build_raw_assets(), sensors=[raw_feed_sensor])

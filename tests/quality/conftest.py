"""Fixtures for the data-quality tests.

- `pilot`: the bundled CDISC Pilot 01 feeds loaded into a temporary warehouse (raw layer, as
  safety_warehouse.bootstrap does) and every raw suite validated once, findings recorded.
- `subset`: a few pilot subjects written as small feeds into a temporary raw folder, loaded
  into a base warehouse; the bad-feed corpus copies that warehouse for each case.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from quality_support import (PILOT_RAW, RAW_TARGETS, STUDY, Subset, Validated, load_folder, pick_subjects,
                             validate, write_feed)


@pytest.fixture(scope="session")
def pilot(tmp_path_factory) -> Validated:
    base = tmp_path_factory.mktemp("quality_pilot")
    db = base / "warehouse.duckdb"
    load_folder(db, PILOT_RAW)
    return validate(db, RAW_TARGETS, run_id="pilot-run-1", docs_dir=base / "data_docs")


@pytest.fixture(scope="session")
def subset(tmp_path_factory) -> Subset:
    from safety_warehouse.feeds import discover_feeds, read_feed

    root = tmp_path_factory.mktemp("quality_subset")
    raw_dir = root / "raw" / STUDY
    subjects = pick_subjects()
    keep = pa.array(subjects)
    tables = {}
    for domain, feed in discover_feeds(PILOT_RAW).items():
        t = read_feed(feed).table
        t = t.filter(pc.is_in(t.column("USUBJID"), value_set=keep))
        tables[domain] = t
        write_feed(t, raw_dir / f"{domain}.parquet")
    db = root / "base.duckdb"
    load_folder(db, raw_dir)
    base = validate(db, RAW_TARGETS, run_id="subset-base", record=False)
    return Subset(raw_dir=raw_dir, tables=tables, subjects=subjects, base=base)

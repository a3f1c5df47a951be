"""The study partition: one partition per study folder under the raw directory."""

from __future__ import annotations

import dagster as dg

from safety_warehouse.studies import study_names


def study_partitions() -> dg.StaticPartitionsDefinition:
    names = study_names()
    if not names:
        raise RuntimeError("no study folders found under the raw directory (SAFETY_RAW_DIR)")
    return dg.StaticPartitionsDefinition(names)

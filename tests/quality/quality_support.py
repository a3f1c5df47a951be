"""Helpers of the data-quality tests (fixtures in conftest.py).

- `pilot`: the bundled CDISC Pilot 01 feeds loaded into a temporary warehouse (raw layer, as
  safety_warehouse.bootstrap does) and every raw suite validated once, findings recorded.
- `subset`: a few pilot subjects written as small feeds into a temporary raw folder, loaded
  into a base warehouse; the bad-feed corpus copies that warehouse for each case.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

STUDY = "cdiscpilot01"
PILOT_RAW = Path(__file__).resolve().parents[2] / "data" / "raw" / STUDY
RAW_TARGETS = ["raw.dm", "raw.ae", "raw.suppae", "raw.ds", "raw.ex", "raw.sv", "raw.lb", "raw.supplb", "raw.vs"]


def load_folder(db: Path, raw_study_dir: Path) -> None:
    """Publish the study configuration and load every feed of a study folder (the bootstrap path)."""
    from safety_warehouse.feeds import discover_feeds
    from safety_warehouse.raw_loader import load_feed
    from safety_warehouse.study_model import load_study
    from safety_warehouse.study_config import publish_config
    from safety_warehouse.warehouse import connect

    config = load_study(STUDY)
    with connect(path=db) as con:
        publish_config(con, config)
        for feed in discover_feeds(raw_study_dir).values():
            load_feed(con, feed, config.studyid)


@dataclass
class Validated:
    db: Path
    runs: dict = field(default_factory=dict)  # target -> SuiteRun

    def failing(self, target: str) -> set[str]:
        return {rid for rid, r in self.runs[target].results.items() if not r.passed}


def validate(db: Path, targets: list[str], run_id: str, record: bool = True, docs_dir: Path | None = None) -> Validated:
    from safety_warehouse.quality import findings
    from safety_warehouse.quality.runner import QualitySession

    session = QualitySession(run_id, db=db, docs_dir=docs_dir, build_docs=docs_dir is not None)
    out = Validated(db=db)
    try:
        for target in targets:
            run = session.validate(target, STUDY)
            if record:
                findings.record(run, db=db)
            out.runs[target] = run
    finally:
        session.close()
    return out


# --------------------------------------------------------------------------- small subset

def pick_subjects(n: int = 4) -> list[str]:
    """The first n randomised pilot subjects that have adverse events (deterministic)."""
    from safety_warehouse.feeds import FeedFile, read_feed
    from safety_warehouse.study_model import load_study

    not_randomised = {i.armcd for i in load_study(STUDY).not_randomised}
    dm = read_feed(FeedFile(STUDY, "dm", PILOT_RAW / "dm.xpt")).table.to_pylist()
    ae = read_feed(FeedFile(STUDY, "ae", PILOT_RAW / "ae.xpt")).table
    with_ae = set(ae.column("USUBJID").to_pylist())
    return sorted(r["USUBJID"] for r in dm if r["ARMCD"] not in not_randomised and r["USUBJID"] in with_ae)[:n]


def write_feed(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


@dataclass
class Subset:
    raw_dir: Path  # <tmp>/raw/cdiscpilot01
    tables: dict[str, pa.Table]  # domain -> text table as loaded
    subjects: list[str]
    base: Validated  # the loaded subset and its suite results (baseline)


def copy_warehouse(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst

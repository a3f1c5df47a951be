"""Studies: one folder of landed feeds under the raw directory, one configuration folder under studies/."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from safety_warehouse import paths
from safety_warehouse.feeds import Delivery, FeedFile, scan_delivery
from safety_warehouse.study_model import StudyConfig, StudyConfigError, load_study

__all__ = ["STUDY_NAME", "Study", "StudyConfig", "StudyConfigError", "all_domains", "get_study",
           "load_study", "study_names"]

# a study folder's name is its partition key: letters, digits, '_', '-' and '.'
STUDY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Study:
    name: str  # folder name, also the Dagster partition key
    raw_dir: Path
    config: StudyConfig  # studies/<name>/study.yml and quality.yml, validated

    @property
    def studyid(self) -> str:
        return self.config.studyid

    def delivery(self) -> Delivery:
        return scan_delivery(self.raw_dir)

    def feeds(self) -> dict[str, FeedFile]:
        return self.delivery().feeds


def study_names(raw_root: Path | None = None) -> list[str]:
    root = raw_root or paths.raw_dir()
    if not root.exists():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith((".", "_")) and STUDY_NAME.match(p.name))


def get_study(name: str) -> Study:
    raw = paths.raw_dir() / name
    if not raw.is_dir():
        raise StudyConfigError(f"no feed folder {raw} for study {name}")
    return Study(name=name, raw_dir=raw, config=load_study(name))


def all_domains(raw_root: Path | None = None) -> list[str]:
    """Union of the domains supplied by every study folder (decides which raw assets exist). A file
    that breaks a landing rule is left out here and fails its own study's run instead."""
    root = raw_root or paths.raw_dir()
    found: set[str] = set()
    for name in study_names(root):
        found.update(scan_delivery(root / name, root).feeds)
    return sorted(found)

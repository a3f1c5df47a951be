"""Studies: one folder of landed feeds under the raw directory, one configuration folder under studies/."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from orchestration.lib import paths
from orchestration.lib.feeds import Delivery, FeedFile, scan_delivery

# a study folder's name is its partition key: letters, digits, '_', '-' and '.'
STUDY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class StudyConfigError(Exception):
    pass


@dataclass(frozen=True)
class Study:
    name: str  # folder name, also the Dagster partition key
    raw_dir: Path
    config: dict[str, Any]

    @property
    def studyid(self) -> str | None:
        return self.config.get("studyid")

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


def load_config(name: str, studies_root: Path | None = None) -> dict[str, Any]:
    path = (studies_root or paths.studies_dir()) / name / "study.yml"
    if not path.exists():
        return {"study": name}
    try:
        with open(path) as fh:
            cfg = yaml.safe_load(fh) or {}
    except yaml.YAMLError as exc:
        raise StudyConfigError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(cfg, dict):
        raise StudyConfigError(f"{path}: top level must be a mapping")
    cfg.setdefault("study", name)
    if cfg["study"] != name:
        raise StudyConfigError(f"{path}: 'study: {cfg['study']}' does not match its folder {name}")
    return cfg


def get_study(name: str) -> Study:
    raw = paths.raw_dir() / name
    if not raw.is_dir():
        raise StudyConfigError(f"no feed folder {raw} for study {name}")
    return Study(name=name, raw_dir=raw, config=load_config(name))


def all_domains(raw_root: Path | None = None) -> list[str]:
    """Union of the domains supplied by every study folder (decides which raw assets exist). A file
    that breaks a landing rule is left out here and fails its own study's run instead."""
    root = raw_root or paths.raw_dir()
    found: set[str] = set()
    for name in study_names(root):
        found.update(scan_delivery(root / name, root).feeds)
    return sorted(found)

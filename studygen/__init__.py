"""Simulated SDTM studies from a design file (`studies/<study>/design.yml`).

`safety-warehouse generate <study>` reads the design, validates it (studygen.design) and writes
DM, EX, AE, SUPPAE, DS, SV, LB and VS to `data/raw/<study>/` (studygen.generate).
"""

from __future__ import annotations

from pathlib import Path

from studygen.design import Design, DesignError, load_design, validate_design
from studygen.generate import FORMATS, generate

__all__ = ["Design", "DesignError", "FORMATS", "generate", "generate_study", "load_design", "validate_design"]


def generate_study(study: str, seed: int = 0, scale: int = 1, out: Path | None = None,
                   fmt: str = "xpt", studies_root: Path | None = None) -> tuple[Path, dict[str, int]]:
    """Generate the study `study` from `studies/<study>/design.yml`; returns the folder and rows per domain."""
    from safety_warehouse import paths

    design = load_design((studies_root or paths.studies_dir()) / study / "design.yml")
    target = out or paths.raw_dir() / study
    return target, generate(design, target, seed=seed, scale=scale, fmt=fmt)


def summary(study: str, target: Path, rows: dict[str, int], seed: int, scale: int, fmt: str) -> str:
    parts = ", ".join(f"{d.upper()} {n:,}" for d, n in rows.items())
    return (f"generated {study} (simulated; seed {seed}, scale {scale}): {rows.get('dm', 0):,} subjects; "
            f"{parts} rows; {fmt} files in {target}")

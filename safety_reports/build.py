"""Building one report asset for one study: read the marts (read-only connection), compute the tidy
results, render every file, then write the tables into `reports` (a short write connection, one
transaction per table) together with the output manifest the index page is built from.

`build(name, study)` is what the Dagster assets call; it needs no Dagster and is used by tests."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pandas as pd

from safety_warehouse import paths
from safety_warehouse.raw_loader import current_data_snapshot
from safety_reports.catalog import MANIFEST_TABLE, report_asset
from safety_reports.config import ReportConfig
from safety_reports.data import (BIG_N_COLUMNS, POPULATION_COLUMNS, big_n, population, read_mart_columns,
                                 read_marts, read_report, read_result)
from safety_reports.model import DisplayTable, FigureOutput, ReportContext
from safety_reports.render import render_figure, render_table
from safety_reports.store import replace_rows, replace_study_rows
from safety_warehouse.version import code_version
from safety_warehouse.study_model import load_study
from safety_warehouse.warehouse import connect, table_exists


@dataclass
class Session:
    """One asset run for one study: inputs, context, and what it produced."""

    asset: str
    study: str
    cfg: ReportConfig
    ctx: ReportContext
    marts: dict[str, pd.DataFrame]
    results: dict[str, pd.DataFrame]
    reports: dict[str, pd.DataFrame]
    pop: pd.DataFrame
    outdir: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    manifest: list[dict] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @classmethod
    def open(cls, asset: str, study: str, marts: tuple[str, ...], reports: tuple[str, ...] = (),
             results: Mapping[str, tuple[str, ...]] | None = None) -> "Session":
        cfg = ReportConfig.from_study(load_study(study))
        with connect(read_only=True) as con:
            frames = read_marts(con, list(dict.fromkeys(marts)), cfg.studyid)
            pop = population(read_result(con, "results_population", cfg.studyid, POPULATION_COLUMNS))
            n_per_arm = big_n(read_result(con, "results_big_n", cfg.studyid, BIG_N_COLUMNS), cfg)
            results_frames = {r: read_result(con, r, cfg.studyid, cols) for r, cols in (results or {}).items()}
            tables = {t: read_report(con, t, study) for t in reports}
            snapshot = current_data_snapshot(con, study) if table_exists(con, "raw", "load_log") else None
        ctx = ReportContext(cfg=cfg, big_n=n_per_arm, snapshot=snapshot, code_version=code_version())
        return cls(asset=asset, study=study, cfg=cfg, ctx=ctx, marts=frames, results=results_frames, reports=tables,
                   pop=pop,
                   outdir=paths.outputs_dir() / study)

    def mart_columns(self, mart: str, columns: tuple[str, ...], where: str | None = None) -> pd.DataFrame:
        """Selected columns of one mart (this study's rows matching `where`), read when a builder needs
        them; never the whole mart."""
        with connect(read_only=True) as con:
            return read_mart_columns(con, mart, self.cfg.studyid, columns, where)

    def _stamp(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out["data_snapshot"] = self.ctx.snapshot
        out["code_version"] = self.ctx.code_version
        return out

    def table(self, display: DisplayTable, result: pd.DataFrame) -> None:
        self.tables[display.name] = self._stamp(result)
        for path in render_table(display, self.ctx, self.outdir):
            self._record(display.name, "table", display.title, path, len(result))

    def figure(self, fig: FigureOutput) -> None:
        for path in render_figure(fig, self.ctx, self.outdir):
            self._record(fig.name, "figure", fig.title, path, None)

    def _record(self, name: str, kind: str, title: str, path: Path, rows: int | None) -> None:
        self.files.append(path)
        self.manifest.append(dict(study=self.study, asset=self.asset, name=name, kind=kind, title=title,
                                  format=path.suffix.lstrip("."), file=path.name, bytes=path.stat().st_size,
                                  rows=rows, data_snapshot=self.ctx.snapshot, code_version=self.ctx.code_version))

    def commit(self) -> None:
        with connect() as con:
            for name, frame in self.tables.items():
                replace_study_rows(con, name, frame, self.study)
            manifest = pd.DataFrame(self.manifest)
            if not manifest.empty:
                manifest["rows"] = manifest["rows"].astype("Int64")
            replace_rows(con, MANIFEST_TABLE, manifest, {"study": self.study, "asset": self.asset})


@dataclass
class BuildResult:
    asset: str
    study: str
    rows: dict[str, int]
    files: list[Path]
    seconds: float
    snapshot: str | None
    code_version: str


def build(name: str, study: str) -> BuildResult:
    """Build one report asset of the catalogue for one study."""
    t0 = time.perf_counter()
    spec = report_asset(name)
    reports = tuple(t for a in spec.after for t in report_asset(a).tables)
    session = Session.open(name, study, spec.marts, reports, spec.results)
    spec.build(session)
    session.commit()
    return BuildResult(asset=name, study=study, rows={k: len(v) for k, v in session.tables.items()},
                       files=session.files, seconds=time.perf_counter() - t0, snapshot=session.ctx.snapshot,
                       code_version=session.ctx.code_version)


__all__ = ["BuildResult", "Session", "build"]

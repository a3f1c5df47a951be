"""Building one report asset for one study: read the marts (read-only connection), compute the tidy
results, render every file, then write the tables into `reports` (a short write connection, one
transaction per table) together with the output manifest the index page is built from.

`build(name, study)` is what the Dagster assets call; it needs no Dagster and is used by tests."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from orchestration.lib import paths
from orchestration.lib.raw_loader import current_data_snapshot
from orchestration.lib.reporting import adverse_events as aes
from orchestration.lib.reporting import by_visit, demographics, findings, liver, shifts
from orchestration.lib.reporting.catalog import INDEX_ASSET, INDEX_FILE, MANIFEST_TABLE, report_asset
from orchestration.lib.reporting.config import TESTS, ReportConfig
from orchestration.lib.reporting.data import (big_n, population, read_mart_columns, read_marts, read_report,
                                              read_result)
from orchestration.lib.reporting.model import DisplayTable, FigureOutput, ReportContext
from orchestration.lib.reporting.render import render_figure, render_table
from orchestration.lib.reporting.store import replace_rows, replace_study_rows
from orchestration.lib.reporting.version import code_version
from orchestration.lib.study_model import load_study
from orchestration.lib.warehouse import connect, table_exists


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
             results: tuple[str, ...] = ()) -> "Session":
        cfg = ReportConfig.from_study(load_study(study))
        needed = list(dict.fromkeys(("dim_subject",) + tuple(marts)))
        with connect(read_only=True) as con:
            frames = read_marts(con, needed, cfg.studyid)
            results_frames = {r: read_result(con, r, cfg.studyid, RESULT_COLUMNS[r]) for r in results}
            tables = {t: read_report(con, t, study) for t in reports}
            snapshot = current_data_snapshot(con, study) if table_exists(con, "raw", "load_log") else None
        pop = population(frames["dim_subject"], cfg)
        ctx = ReportContext(cfg=cfg, big_n=big_n(pop, cfg), snapshot=snapshot, code_version=code_version())
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


# --------------------------------------------------------------------------- builders

# The columns each report reads of its dbt results model.
RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "results_demographics": demographics.RESULT_COLUMNS,
    "results_ae_soc_pt": aes.SOC_PT_COLUMNS,
    "results_ae_soc_pt_serious": aes.SOC_PT_COLUMNS,
    "results_lab_nr_freq": shifts.FREQUENCY_COLUMNS,
    "results_lab_shift": shifts.SHIFT_COLUMNS,
    "results_lab_thr_shift": shifts.SHIFT_COLUMNS,
    "results_lab_by_visit": by_visit.RESULT_COLUMNS,
    "results_vs_by_visit": by_visit.VS_RESULT_COLUMNS,
    "results_liver_injury": liver.RESULT_COLUMNS,
}


def _demographics(s: Session) -> None:
    result = demographics.compute(s.results["results_demographics"], s.ctx)
    s.table(demographics.display(result, s.ctx), result)


def _teae(s: Session) -> pd.DataFrame:
    return aes.teae_events(s.marts["fct_adverse_event"], s.pop)


def _ae_overview(s: Session) -> None:
    result = aes.overview(_teae(s), s.pop, s.ctx)
    s.table(aes.display_overview(result, s.ctx), result)


def _ae_soc_pt(s: Session) -> None:
    result = aes.soc_pt(s.results["results_ae_soc_pt"], s.ctx)
    s.table(aes.display_soc_pt(result, s.ctx, "t_ae_soc_pt", "Treatment-emergent adverse events by system organ "
                               "class and preferred term", "TEAE"), result)


def _ae_soc_pt_serious(s: Session) -> None:
    result = aes.soc_pt(s.results["results_ae_soc_pt_serious"], s.ctx)
    s.table(aes.display_soc_pt(result, s.ctx, "t_ae_soc_pt_serious", "Serious treatment-emergent adverse events by "
                               "system organ class and preferred term", "serious TEAE"), result)


def _ae_soc_pt_severity(s: Session) -> None:
    result = aes.soc_pt_severity(_teae(s), s.ctx, s.results["results_ae_soc_pt"])
    s.table(aes.display_severity(result, s.ctx), result)


def _ae_dose_window(s: Session) -> None:
    result = aes.by_dose_window(_teae(s), s.ctx)
    s.table(aes.display_dose_window(result, s.ctx), result)


def _ae_dot_plot(s: Session) -> None:
    result = aes.risk_differences(aes.soc_pt(s.results["results_ae_soc_pt"], s.ctx), s.ctx)
    s.table(aes.display_risk_differences(result, s.ctx), result)
    s.figure(aes.dot_plot(result, s.ctx))


def _by_visit(s: Session, domain: by_visit.Domain, test: str) -> None:
    records = by_visit.compared_records(
        s.mart_columns(domain.mart, domain.test_columns, by_visit.COMPARED_RECORDS), s.pop)
    result = by_visit.compute(s.results[domain.results], records, s.ctx, domain, test)
    s.table(by_visit.display(result, s.ctx, domain, test), result)
    for fig in by_visit.mean_figures(result, s.ctx, domain):
        s.figure(fig)


def _lab_by_visit(s: Session) -> None:
    _by_visit(s, by_visit.LAB, s.cfg.lab_test)


def _vs_by_visit(s: Session) -> None:
    _by_visit(s, by_visit.VITALS, s.cfg.vs_test)


def _lab_shift(s: Session) -> None:
    result = shifts.shift_table(s.results["results_lab_shift"], s.ctx)
    s.table(shifts.display_shift(result, s.ctx, "t_lab_shift", "Shift of laboratory normal-range category from "
                                 "baseline by visit", "normal-range"), result)


def _lab_thr_shift(s: Session) -> None:
    result = shifts.shift_table(s.results["results_lab_thr_shift"], s.ctx)
    table = shifts.display_shift(result, s.ctx, "t_lab_thr_shift", "Shift of threshold-based laboratory category "
                                 "from baseline by visit", "threshold")
    low, high = s.cfg.threshold_low_factor, s.cfg.threshold_high_factor
    if low is not None and high is not None:
        table.footnotes.insert(0, f"Threshold categories: low = value below {low:g} x LLN, high = value above "
                                  f"{high:g} x ULN, otherwise normal (LLN / ULN: lower / upper limit of normal); "
                                  "a result reported below a limit is categorised by that limit.")
    s.table(table, result)


def _lab_nr_freq(s: Session) -> None:
    result = shifts.frequency(s.results["results_lab_nr_freq"], s.ctx)
    s.table(shifts.display_frequency(result, s.ctx), result)


def _liver(s: Session) -> None:
    result = liver.screen(s.results["results_liver_injury"], s.ctx)
    s.table(liver.display(result, s.ctx), result)
    s.figure(liver.edish(s.mart_columns("mart_liver_injury", liver.EDISH_COLUMNS), s.pop, s.ctx))


def _findings(s: Session) -> None:
    frames = {"LB": s.reports["t_lab_by_visit"], "VS": s.reports["t_vs_by_visit"]}
    result = findings.compute(frames, s.ctx)
    tests = {"LB": TESTS[s.cfg.lab_test], "VS": TESTS[s.cfg.vs_test]}
    s.table(findings.display(result, s.ctx, tests), result)


BUILDERS: dict[str, Callable[[Session], None]] = {
    "demographics": _demographics,
    "ae_overview": _ae_overview,
    "ae_soc_pt": _ae_soc_pt,
    "ae_soc_pt_serious": _ae_soc_pt_serious,
    "ae_soc_pt_severity": _ae_soc_pt_severity,
    "ae_dose_window": _ae_dose_window,
    "ae_dot_plot": _ae_dot_plot,
    "lab_by_visit": _lab_by_visit,
    "vs_by_visit": _vs_by_visit,
    "lab_shift": _lab_shift,
    "lab_nr_freq": _lab_nr_freq,
    "lab_thr_shift": _lab_thr_shift,
    "liver_injury": _liver,
    "significant_findings": _findings,
}


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
    """Build one report asset (see catalog.REPORT_ASSETS) for one study."""
    t0 = time.perf_counter()
    if name == INDEX_ASSET:
        return build_index(study)
    spec = report_asset(name)
    reports = tuple(t for a in spec.after for t in report_asset(a).tables)
    session = Session.open(name, study, spec.marts, reports, spec.results)
    BUILDERS[name](session)
    session.commit()
    return BuildResult(asset=name, study=study, rows={k: len(v) for k, v in session.tables.items()},
                       files=session.files, seconds=time.perf_counter() - t0, snapshot=session.ctx.snapshot,
                       code_version=session.ctx.code_version)


def build_index(study: str) -> BuildResult:
    from orchestration.lib.reporting.index import write_index

    t0 = time.perf_counter()
    path = write_index(study)
    return BuildResult(asset=INDEX_ASSET, study=study, rows={}, files=[path], seconds=time.perf_counter() - t0,
                       snapshot=None, code_version=code_version())


__all__ = ["BUILDERS", "BuildResult", "INDEX_FILE", "Session", "build", "build_index"]

"""Building one report asset for one study: read the marts (read-only connection), compute the tidy
results, render every file, then write the tables into `reports` (a short write connection, one
transaction per table) together with the output manifest the index page is built from.

`build(name, study)` is what the Dagster assets call; it needs no Dagster and is used by tests.

With `reuse=True` (a refresh of what depends on changed feeds) an asset whose inputs are what they
were when its outputs were written is not built again: the digest of its inputs (the study's rows of
every mart and results model it reads, its configuration and the code version) is recorded with its
outputs in `reports.output_manifest`, and when it matches and every file is still there, the files,
the tidy tables and the manifest stay as they are, stating the data snapshot they were built from."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pandas as pd

from safety_warehouse import paths
from safety_warehouse.raw_loader import current_data_snapshot
from safety_reports.catalog import MANIFEST_TABLE, POPULATION_MODELS, report_asset
from safety_reports.config import ReportConfig
from safety_reports.data import (BIG_N_COLUMNS, POPULATION_COLUMNS, big_n, population, read_mart_columns,
                                 read_marts, read_report, read_result)
from safety_reports.model import DisplayTable, FigureOutput, ReportContext
from safety_reports.render import render_figure, render_table
from safety_reports.store import replace_rows, replace_study_rows
from safety_warehouse.version import code_version
from safety_warehouse.study_model import load_study
from safety_warehouse.warehouse import connect, qualified, table_exists


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
    inputs_sha: str | None = None

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
                                  rows=rows, data_snapshot=self.ctx.snapshot, code_version=self.ctx.code_version,
                                  inputs_sha=self.inputs_sha))

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
    reused: bool = False


def input_digest(con, name: str, study: str, studyid: str, config_sha256: str) -> str:
    """Digest of what a report asset reads for a study: its configuration, the code version and, for
    every mart and results model it reads, the count and two order-independent hashes of the study's
    rows (computed in DuckDB; no row leaves it)."""
    spec = report_asset(name)
    h = hashlib.sha256(f"{name}|{study}|{config_sha256}|{code_version()}".encode())
    relations = ([("marts", m) for m in dict.fromkeys(spec.marts + spec.queried)]
                 + [("results", r) for r in dict.fromkeys(POPULATION_MODELS + tuple(spec.results))])
    for schema, table in relations:
        if not table_exists(con, schema, table):
            h.update(f"{schema}.{table}:missing".encode())
            continue
        row = con.execute(f"select count(*), coalesce(sum(hash(t)), 0), coalesce(bit_xor(hash(t)), 0) "
                          f"from (select * from {qualified(schema, table)} where studyid = ?) t",
                          [studyid]).fetchall()[0]
        h.update(f"{schema}.{table}:{row}".encode())
    return h.hexdigest()


def _reusable(con, name: str, study: str, digest: str) -> pd.DataFrame | None:
    """The manifest rows of the asset's outputs when they were built from inputs with this digest
    and every file is there as recorded; else None."""
    if not table_exists(con, "reports", MANIFEST_TABLE):
        return None
    columns = {r[0] for r in con.execute("select column_name from information_schema.columns where "
                                         "table_schema = 'reports' and table_name = ?", [MANIFEST_TABLE]).fetchall()}
    if "inputs_sha" not in columns:
        return None
    rows = con.execute(f"select * from {qualified('reports', MANIFEST_TABLE)} where study = ? and asset = ?",
                       [study, name]).df()
    if rows.empty or set(rows["inputs_sha"]) != {digest}:
        return None
    outdir = paths.outputs_dir() / study
    for file, size in zip(rows["file"], rows["bytes"]):
        path = outdir / file
        if not path.is_file() or path.stat().st_size != size:
            return None
    expected = set(report_asset(name).tables) | set(report_asset(name).figures)
    return rows if expected <= set(rows["name"]) else None


def build(name: str, study: str, reuse: bool = False) -> BuildResult:
    """Build one report asset of the catalogue for one study (see the module's note on `reuse`)."""
    t0 = time.perf_counter()
    spec = report_asset(name)
    digest = None
    if not spec.after:  # an asset that reads other assets' tables is always rebuilt (it is cheap)
        study_config = load_study(study)
        with connect(read_only=True) as con:
            digest = input_digest(con, name, study, study_config.studyid, study_config.config_sha256)
            kept = _reusable(con, name, study, digest) if reuse else None
        if kept is not None:
            rows = {t: int(r) for t, r in zip(kept["name"], kept["rows"]) if pd.notna(r)}
            return BuildResult(asset=name, study=study, rows=rows,
                               files=[paths.outputs_dir() / study / f for f in kept["file"]],
                               seconds=time.perf_counter() - t0, snapshot=str(kept["data_snapshot"].iloc[0]),
                               code_version=str(kept["code_version"].iloc[0]), reused=True)
    reports = tuple(t for a in spec.after for t in report_asset(a).tables)
    session = Session.open(name, study, spec.marts, reports, spec.results)
    session.inputs_sha = digest
    spec.build(session)
    session.commit()
    return BuildResult(asset=name, study=study, rows={k: len(v) for k, v in session.tables.items()},
                       files=session.files, seconds=time.perf_counter() - t0, snapshot=session.ctx.snapshot,
                       code_version=session.ctx.code_version)


__all__ = ["BuildResult", "Session", "build", "input_digest"]

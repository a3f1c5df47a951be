"""The study's index page, outputs/<study>/index.html: what the outputs are based on (population,
N per arm, data snapshot, code version), the significant findings in plain language, and a link
to every table (HTML, RTF, XLSX) and figure (PNG, SVG) recorded in reports.output_manifest."""

from __future__ import annotations

import html
import time
from pathlib import Path

import pandas as pd

from safety_reports import findings
from safety_reports.build import BuildResult, Session
from safety_reports.catalog import INDEX_ASSET, INDEX_FILE, MANIFEST_TABLE, REPORT_ASSETS, figure_names, table_names
from safety_reports.entry import FIGURE_FORMATS, TABLE_FORMATS
from safety_reports.model import fmt_p
from safety_reports.render import page, write_text_atomic
from safety_warehouse.version import code_version
from safety_reports.store import replace_rows
from safety_warehouse.warehouse import connect, table_exists

CSS = """
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.15rem; margin-top: 1.6rem; border-bottom: 1px solid #d0d7de; padding-bottom: 0.2rem; }
table.outputs { border-collapse: collapse; font-size: 0.92rem; }
table.outputs td, table.outputs th { padding: 0.25rem 0.7rem; border-bottom: 1px solid #eaeef2; text-align: left; }
.meta { color: #52606d; font-size: 0.9rem; }
.missing { color: #b42318; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; }
.figures figure { margin: 0; width: 320px; }
.figures img { width: 320px; border: 1px solid #d0d7de; }
.findings li { margin-bottom: 0.3rem; }
"""


def ae_sentences(overview: pd.DataFrame | None, aesi: pd.DataFrame | None, ctx) -> list[str]:
    """One sentence per active arm vs control from the built AE tables (reports.t_ae_overview and
    reports.t_ae_aesi): subjects with any, serious and severe TEAEs and with each special-interest
    category, n/N (%) and Fisher's p where the table has one."""
    arms = ctx.cfg.arms
    if overview is None or overview.empty:
        return []

    def cell(frame: pd.DataFrame, arm: str) -> str:
        r = frame.loc[frame["arm"] == arm]
        if r.empty:
            return "-"
        r = r.iloc[0]
        pct = "" if pd.isna(r["pct"]) else f" ({r['pct']:.1f}%)"
        return f"{int(r['n_subjects'])}/{int(r['big_n'])}{pct}"

    def part(label: str, frame: pd.DataFrame, active: str) -> str:
        text = f"{label} {cell(frame, active)} vs {cell(frame, arms.control)}"
        p = frame.loc[frame["arm"] == active, "p_value"]
        if len(p) and not pd.isna(p.iloc[0]):
            text += f" (p = {fmt_p(p.iloc[0])})"
        return text

    out = []
    for active in arms.actives:
        items = []
        for category in ("any", "serious", "severe"):
            rows = overview.loc[overview["category"] == category]
            if not rows.empty:
                items.append(part(str(rows["label"].iloc[0]), rows, active))
        if aesi is not None and not aesi.empty:
            for category, rows in aesi.sort_values("category_order").groupby("aesi_cat", sort=False):
                items.append(part(f"{category} (special interest)", rows, active))
        out.append(f"{active} vs {arms.control}: " + "; ".join(items) + ".")
    return out


def render_index(study: str, ctx, manifest: pd.DataFrame, finding_rows: pd.DataFrame | None,
                 overview: pd.DataFrame | None = None, aesi: pd.DataFrame | None = None) -> str:
    e = html.escape
    arms = ctx.cfg.arms
    parts = [f"<style>{CSS}</style>",
             f"<h1>Safety tables and figures: {e(study)}</h1>",
             f"<p>{e(ctx.cfg.title)}</p>",
             f"<p class=\"meta\">{e(ctx.population)}. {e(ctx.n_line())}. Control arm: {e(arms.control)}. "
             f"Significance level: {ctx.cfg.alpha:g}.<br>{e(ctx.provenance_line())}.</p>"]

    ae = ae_sentences(overview, aesi, ctx)
    if ae:
        parts.append("<h2 id=\"adverse-events\">Adverse events</h2>")
        parts.append("<ul class=\"findings\">" + "".join(f"<li>{e(s)}</li>" for s in ae) + "</ul>")
        parts.append("<p class=\"meta\">Subjects with at least one treatment-emergent event, n/N (%), each active "
                     "arm vs control; Fisher's exact p where either arm has the event. Details: "
                     "<a href=\"t_ae_overview.html\">overview</a>, <a href=\"t_ae_aesi.html\">special interest</a>, "
                     "<a href=\"t_ae_dose_window.html\">time after dose</a>.</p>")

    parts.append("<h2 id=\"findings\">Significant findings</h2>")
    if finding_rows is None:
        parts.append("<p class=\"missing\">The significant-findings table has not been built.</p>")
    else:
        items = "".join(f"<li>{e(s)}</li>" for s in findings.sentences(finding_rows, ctx))
        parts.append(f"<ul class=\"findings\">{items}</ul>")
        parts.append("<p class=\"meta\">Each active arm vs control at each post-baseline visit, on the change "
                     "from baseline or the value as configured per parameter; "
                     f"flagged on the {e(findings.basis(ctx))}. Details: <a href=\"t_significant_findings.html\">"
                     "table</a>.</p>")

    by_name = {n: g for n, g in manifest.groupby("name")} if not manifest.empty else {}
    parts.append("<h2 id=\"tables\">Tables</h2><table class=\"outputs\"><tr><th>Table</th><th>Formats</th>"
                 "<th>Rows</th><th>Data snapshot</th></tr>")
    for name in table_names():
        g = by_name.get(name)
        if g is None:
            parts.append(f"<tr><td>{e(name)}</td><td class=\"missing\">not built</td><td></td><td></td></tr>")
            continue
        links = " ".join(f"<a href=\"{e(f)}\">{e(fmt.upper())}</a>" for fmt, f in _files(g, TABLE_FORMATS))
        rows = g["rows"].dropna()
        parts.append(f"<tr><td>{e(str(g['title'].iloc[0]))}</td><td>{links}</td>"
                     f"<td>{int(rows.iloc[0]) if len(rows) else ''}</td><td>{e(_built_from(g, ctx))}</td></tr>")
    parts.append("</table>")

    parts.append("<h2 id=\"figures\">Figures</h2><div class=\"figures\">")
    for name in figure_names():
        g = by_name.get(name)
        if g is None:
            parts.append(f"<figure><figcaption class=\"missing\">{e(name)}: not built</figcaption></figure>")
            continue
        files = dict(_files(g, FIGURE_FORMATS))
        links = " ".join(f"<a href=\"{e(f)}\">{e(fmt.upper())}</a>" for fmt, f in files.items())
        img = f"<a href=\"{e(files['png'])}\"><img src=\"{e(files['png'])}\" alt=\"{e(name)}\"></a>" if "png" in files else ""
        parts.append(f"<figure>{img}<figcaption>{e(str(g['title'].iloc[0]))}<br>{links}</figcaption></figure>")
    parts.append("</div>")

    parts.append("<h2 id=\"assets\">How each output is made</h2><ul class=\"meta\">")
    for a in REPORT_ASSETS:
        parts.append(f"<li><b>{e(a.name)}</b>: {e(a.description)} Reads: "
                     f"{e(', '.join([f'marts.{m}' for m in a.marts + a.queried] + [f'results.{r}' for r in a.results]))}. Writes: "
                     f"{e(', '.join(f'reports.{t}' for t in a.tables))}.</li>")
    parts.append("</ul>")
    return page(f"Safety outputs: {study}", "\n".join(parts), back_link=False)


def _built_from(g: pd.DataFrame, ctx) -> str:
    """The data snapshot an output was built from; one built before the current snapshot was kept by
    a refresh because what it reads did not change."""
    snapshot = g["data_snapshot"].dropna()
    if snapshot.empty:
        return ""
    built = str(snapshot.iloc[0])
    if ctx.snapshot and built != ctx.snapshot:
        return f"{built[:16]} (its inputs are unchanged in {ctx.snapshot[:16]})"
    return built[:16]


def _files(g: pd.DataFrame, formats: tuple[str, ...]) -> list[tuple[str, str]]:
    have = dict(zip(g["format"], g["file"]))
    return [(fmt, have[fmt]) for fmt in formats if fmt in have]


def build_index(study: str) -> BuildResult:
    """Write the study's index page and record it in the output manifest."""
    t0 = time.perf_counter()
    path = write_index(study)
    return BuildResult(asset=INDEX_ASSET, study=study, rows={}, files=[path], seconds=time.perf_counter() - t0,
                       snapshot=None, code_version=code_version())


def write_index(study: str) -> Path:
    session = Session.open(INDEX_ASSET, study, ())
    with connect(read_only=True) as con:
        manifest = (con.execute(f"select * from reports.{MANIFEST_TABLE} where study = ?", [study]).df()
                    if table_exists(con, "reports", MANIFEST_TABLE) else pd.DataFrame())
        finding_rows = (con.execute("select * from reports.t_significant_findings where study = ?", [study]).df()
                        if table_exists(con, "reports", "t_significant_findings") else None)
        overview = (con.execute("select category, label, arm, big_n, n_subjects, pct, p_value from "
                                "reports.t_ae_overview where study = ?", [study]).df()
                    if table_exists(con, "reports", "t_ae_overview") else None)
        aesi = (con.execute("select aesi_cat, category_order, arm, big_n, n_subjects, pct, p_value from "
                            "reports.t_ae_aesi where study = ?", [study]).df()
                if table_exists(con, "reports", "t_ae_aesi") else None)
    if not manifest.empty:
        manifest = manifest.loc[manifest["asset"] != INDEX_ASSET]
        present = [(session.outdir / f).exists() for f in manifest["file"]]
        manifest = manifest.loc[present]
    session.outdir.mkdir(parents=True, exist_ok=True)
    path = session.outdir / INDEX_FILE
    write_text_atomic(path, render_index(study, session.ctx, manifest, finding_rows, overview, aesi))
    row = dict(study=study, asset=INDEX_ASSET, name="index", kind="index", title=f"Safety outputs: {study}",
               format="html", file=INDEX_FILE, bytes=path.stat().st_size, rows=None,
               data_snapshot=session.ctx.snapshot, code_version=session.ctx.code_version)
    frame = pd.DataFrame([row])
    frame["rows"] = frame["rows"].astype("Int64")
    with connect() as con:
        replace_rows(con, MANIFEST_TABLE, frame, {"study": study, "asset": INDEX_ASSET})
    return path

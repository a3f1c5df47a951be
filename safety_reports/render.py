"""Rendering a `DisplayTable` as HTML (great-tables), RTF (safety_reports.rtf) and XLSX (xlsxwriter), and a
`FigureOutput` as PNG and SVG. Every output states the title, population, N per arm, the test
used, the footnotes, the data snapshot and the code version."""

from __future__ import annotations

import contextlib
import html as _html
import os
import textwrap
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from safety_reports.entry import FIGURE_FORMATS, TABLE_FORMATS
from safety_reports.model import DisplayTable, FigureOutput, ReportContext

CONSTANT_COLUMNS = ("study", "data_snapshot", "code_version")


def notes(table: DisplayTable | FigureOutput, ctx: ReportContext) -> list[str]:
    """Footnote lines in the order every format prints them."""
    lines = list(table.footnotes)
    test = getattr(table, "test", None)
    lines.append(f"Test: {test}." if test else "Test: none (descriptive summary).")
    lines.append(f"{ctx.population}. {ctx.n_line()}.")
    lines.append(ctx.provenance_line() + ".")
    return lines


def subtitle(ctx: ReportContext) -> str:
    return f"{ctx.cfg.title} | {ctx.population}"


def _rows_with_groups(table: DisplayTable) -> tuple[pd.DataFrame, list[bool]]:
    """Body rows with one heading row inserted before each group; flags mark the heading rows."""
    keys = [c.key for c in table.columns]
    body = table.body
    if not table.group or body.empty:
        return body[keys].reset_index(drop=True), [False] * len(body)
    groups = body[table.group].to_numpy()
    starts = np.r_[True, groups[1:] != groups[:-1]]
    values = body[keys].to_numpy(dtype=object)
    out, flags = [], []
    blank = [""] * (len(keys) - 1)
    for g, start, row in zip(groups, starts, values):
        if start:
            out.append([g, *blank])
            flags.append(True)
        out.append(list(row))
        flags.append(False)
    return pd.DataFrame(out, columns=keys), flags


# --------------------------------------------------------------------------- HTML

PAGE_CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; margin: 1.5rem; color: #1f2933; }
nav a { font-size: 0.9rem; }
td.gt_row.gt_center, td.gt_row.gt_right { white-space: nowrap; }
"""


def page(title: str, content: str, back_link: bool = True) -> str:
    nav = '<nav><a href="index.html">&larr; All outputs</a></nav>\n' if back_link else ""
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{_html.escape(title)}</title>\n<style>{PAGE_CSS}</style>\n</head>\n<body>\n"
            f"{nav}{content}\n</body>\n</html>\n")


def to_html(table: DisplayTable, ctx: ReportContext) -> str:
    import great_tables as gt
    import polars as pl

    keys = [c.key for c in table.columns]
    data = pl.from_pandas(table.body.astype(str))
    g = gt.GT(data, groupname_col=table.group) if table.group else gt.GT(data)
    g = g.tab_header(title=table.title, subtitle=subtitle(ctx))
    g = g.cols_label(cases={c.key: gt.html(_html.escape(c.label).replace("\n", "<br>")) for c in table.columns})
    for i, (label, cols) in enumerate(_spanner_groups(table)):
        g = g.tab_spanner(label=label, columns=cols, id=f"span{i}")
    left = [c.key for c in table.columns if c.align == "l"]
    centre = [k for k in keys if k not in left]
    if left:
        g = g.cols_align("left", columns=left)
    if centre:
        g = g.cols_align("center", columns=centre)
    for line in notes(table, ctx):
        g = g.tab_source_note(line)
    g = g.tab_options(table_font_size="13px", data_row_padding="2px", row_group_font_weight="bold")
    return page(table.title, g.as_raw_html())


def _spanner_groups(table: DisplayTable) -> list[tuple[str, list[str]]]:
    """Consecutive columns sharing a spanner label."""
    groups: list[tuple[str, list[str]]] = []
    previous = None
    for c in table.columns:
        if c.spanner and c.spanner == previous:
            groups[-1][1].append(c.key)
        elif c.spanner:
            groups.append((c.spanner, [c.key]))
        previous = c.spanner
    return groups


# --------------------------------------------------------------------------- RTF

def to_rtf(table: DisplayTable, ctx: ReportContext, path: Path) -> None:
    from safety_reports.rtf import table_document

    rows, headings = _rows_with_groups(table)
    widths = [c.width for c in table.columns]
    document = table_document(
        title=table.title, subtitle=subtitle(ctx),
        labels=[c.label.replace("\n", " ") for c in table.columns], widths=widths,
        aligns=[c.align for c in table.columns],
        rows=rows.itertuples(index=False, name=None), headings=headings,
        spanners=table.spanners() if table.has_spanners() else None,
        notes=notes(table, ctx), landscape=sum(widths) > 9 or len(table.columns) > 8)
    with atomic_output(path) as tmp:
        tmp.write_text(document, encoding="ascii")


# --------------------------------------------------------------------------- XLSX

def to_xlsx(table: DisplayTable, ctx: ReportContext, path: Path) -> None:
    """Sheet "Table": the table as displayed, with title, headers and notes; sheet "Data": the
    tidy result with its numbers unrounded. Written row by row (xlsxwriter's constant-memory mode)."""
    import xlsxwriter

    with atomic_output(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "nan_inf_to_errors": True})
        try:
            title = wb.add_format({"bold": True, "font_size": 12})
            bold = wb.add_format({"bold": True})
            header = wb.add_format({"bold": True, "align": "center", "text_wrap": True})
            ws = wb.add_worksheet("Table")
            for i, c in enumerate(table.columns):
                ws.set_column(i, i, max(10, int(12 * c.width)))
            ws.write_string(0, 0, table.title, title)
            ws.write_string(1, 0, subtitle(ctx))
            r = 3
            if table.has_spanners():
                col = 0
                for label, span in table.spanners():
                    if label:
                        ws.write_string(r, col, label, header)
                    col += span
                r += 1
            for i, c in enumerate(table.columns):
                ws.write_string(r, i, c.label.replace("\n", " "), header)
            r += 1
            rows, flags = _rows_with_groups(table)
            for values, heading in zip(rows.itertuples(index=False, name=None), flags):
                if heading:
                    ws.write(r, 0, values[0], bold)
                else:
                    ws.write_row(r, 0, [_xlsx_value(v) for v in values])
                r += 1
            r += 1
            for line in notes(table, ctx):
                ws.write_string(r, 0, line)
                r += 1
            if table.data is not None:
                data = wb.add_worksheet("Data")
                when = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
                # the study, snapshot and code version are the same on every row: stated in the notes
                frame = table.data.drop(columns=[c for c in CONSTANT_COLUMNS if c in table.data.columns])
                data.write_row(0, 0, [str(c) for c in frame.columns])
                columns = [[_xlsx_value(v) for v in frame[c].tolist()] for c in frame.columns]
                for i, rec in enumerate(zip(*columns), start=1):
                    for j, v in enumerate(rec):
                        if v is None:
                            continue
                        if isinstance(v, datetime):
                            data.write_datetime(i, j, v.replace(tzinfo=None), when)
                        else:
                            data.write(i, j, v)
        finally:
            wb.close()


def _xlsx_value(v):
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item"):
        return v.item()
    return v


def render_table(table: DisplayTable, ctx: ReportContext, outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    p = outdir / f"{table.name}.html"
    write_text_atomic(p, to_html(table, ctx))
    paths.append(p)
    p = outdir / f"{table.name}.rtf"
    to_rtf(table, ctx, p)
    paths.append(p)
    p = outdir / f"{table.name}.xlsx"
    to_xlsx(table, ctx, p)
    paths.append(p)
    return paths


# --------------------------------------------------------------------------- files

@contextlib.contextmanager
def atomic_output(path: Path):
    """Write through a temporary file beside `path` and rename it into place: a reader never sees a
    half-written output, and a failed render leaves the previous file as it was."""
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")  # writers may go by the suffix
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- figures

def render_figure(fig: FigureOutput, ctx: ReportContext, outdir: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    outdir.mkdir(parents=True, exist_ok=True)
    figure = fig.figure
    # characters per line that fit the figure's width at the heading's font size (about 8 px each at 100 dpi)
    chars = max(40, int(figure.get_figwidth() * 100 / 8.2))
    heading = "\n".join(textwrap.wrap(fig.title, chars) + textwrap.wrap(subtitle(ctx), chars))
    figure.suptitle(heading, fontsize=10.5)
    footer = "\n".join(line for note in notes(fig, ctx) for line in textwrap.wrap(note, int(chars * 1.45)))
    figure.text(0.01, 0.005, footer, fontsize=7, ha="left", va="bottom")
    paths = []
    for fmt in FIGURE_FORMATS:
        p = outdir / f"{fig.name}.{fmt}"
        # SVG text stays text (smaller, searchable, faster to write)
        with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": fig.name}):
            with atomic_output(p) as tmp:
                figure.savefig(tmp, format=fmt, dpi=100, metadata=_figure_metadata(fig, ctx, fmt))
        paths.append(p)
    plt.close(figure)
    return paths


def _figure_metadata(fig: FigureOutput, ctx: ReportContext, fmt: str) -> dict:
    if fmt == "png":
        return {"Title": fig.title, "Description": ctx.provenance_line(), "Software": "matplotlib"}
    return {"Title": fig.title, "Description": ctx.provenance_line(), "Date": None}

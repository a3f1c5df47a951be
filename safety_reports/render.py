"""Rendering a `DisplayTable` as HTML (great-tables), RTF (safety_reports.rtf) and XLSX (xlsxwriter), and a
`FigureOutput` as PNG and SVG. Every output states the title, population, N per arm, the test
used, the footnotes, the data snapshot and the code version."""

from __future__ import annotations

import contextlib
import html as _html
import os
import re
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from safety_reports.entry import FIGURE_FORMATS, TABLE_FORMATS
from safety_reports.model import P_DECIMALS, P_FLOOR, DisplayTable, FigureOutput, ReportContext

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

def title_block(table: DisplayTable, ctx: ReportContext, run_at: datetime | None = None):
    """The page header and footer of a table: the study, the table's number and program from the
    report catalogue, the title and population, the data snapshot and the run date."""
    from safety_reports.catalog import output_number, output_program
    from safety_reports.rtf import TitleBlock

    when = (run_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return TitleBlock(study=f"Study {ctx.cfg.studyid}", number=output_number(table.name), title=table.title,
                      population=subtitle(ctx), program=output_program(table.name),
                      provenance=ctx.provenance_line() + ".", run_date=when.strftime("%Y-%m-%d %H:%M UTC"))


def to_rtf(table: DisplayTable, ctx: ReportContext, path: Path, run_at: datetime | None = None) -> None:
    from safety_reports.rtf import table_document

    rows, headings = _rows_with_groups(table)
    widths = [c.width for c in table.columns]
    block = title_block(table, ctx, run_at)
    document = table_document(
        block=block,
        labels=[c.label for c in table.columns], widths=widths,
        aligns=[c.align for c in table.columns],
        rows=rows.itertuples(index=False, name=None), headings=headings,
        spanners=table.spanners() if table.has_spanners() else None,
        # the page footer states the data snapshot on every page
        notes=[line for line in notes(table, ctx) if line != block.provenance],
        landscape=sum(widths) > 9 or len(table.columns) > 8)
    with atomic_output(path) as tmp:
        tmp.write_text(document, encoding="ascii")


# --------------------------------------------------------------------------- XLSX

def to_xlsx(table: DisplayTable, ctx: ReportContext, path: Path, run_at: datetime | None = None) -> None:
    """Sheet "Table": the table as displayed, for people who work in Excel: the title block, a header
    whose arm spanners are merged over their columns, panes frozen below the header and beside the
    row-label columns, an autofilter on the header, the footnotes and the program and run date.

    A cell that displays a number holds that number with a number format of its displayed decimals
    ("12.30" is 12.3 shown as 0.00; a p-value flagged "0.0123*" is 0.0123 shown with its star), so it
    sums, sorts and filters as a number and still reads as printed. Cells that combine numbers
    ("2 (50.0)", "18.5 (1.88)", "16.4, 20.2") and bounds ("<0.0001") stay text as displayed: split,
    they would no longer read as the table; their numbers are on the Data sheet. Indented row labels
    use the cell's indent, not leading spaces.

    Sheet "Data": the tidy result, numbers unrounded but shown rounded (p-values to 4 decimals,
    "<0.0001" below that), with a frozen, filtered header row.

    Written row by row in xlsxwriter's constant-memory mode (fast, flat memory): every merge is
    within one row, so each row is written whole before the next."""
    import xlsxwriter

    block = title_block(table, ctx, run_at)
    with atomic_output(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "nan_inf_to_errors": True})
        try:
            formats = _XlsxFormats(wb)
            ws = wb.add_worksheet("Table")
            n = len(table.columns)
            for i, c in enumerate(table.columns):
                ws.set_column(i, i, max(10, int(12 * c.width)))
            ws.write_string(0, 0, table.title, formats.get(bold=True, size=12))
            ws.write_string(1, 0, subtitle(ctx))
            ws.write_string(2, 0, "; ".join(x for x in (block.number, block.study) if x))
            r = 4
            if table.has_spanners():
                spanner = formats.get(bold=True, align="center", border="bottom")
                col = 0
                for label, span in table.spanners():
                    if label and span > 1:
                        ws.merge_range(r, col, r, col + span - 1, label, spanner)
                    elif label:
                        ws.write_string(r, col, label, spanner)
                    col += span
                r += 1
            header_row = r
            for i, c in enumerate(table.columns):
                label = c.label.replace("\u00a0", " ")
                ws.write_string(r, i, label, formats.get(bold=True, align=_XLSX_ALIGN[c.align], wrap=True,
                                                         border="bottom"))
            r += 1
            # frozen: the header above, and the row-label columns (the leading left-aligned ones) beside
            labels = next((i for i, c in enumerate(table.columns) if c.align != "l"), n)
            ws.freeze_panes(r, max(labels, 1))
            rows, flags = _rows_with_groups(table)
            aligns = [_XLSX_ALIGN[c.align] for c in table.columns]
            for values, heading in zip(rows.itertuples(index=False, name=None), flags):
                if heading:
                    ws.write_string(r, 0, str(values[0]), formats.get(bold=True))
                else:
                    for j, text in enumerate(values[:n]):
                        value, num_format, indent = _xlsx_cell(text)
                        if value == "":
                            continue
                        fmt = formats.get(align=aligns[j], num_format=num_format, indent=indent)
                        if num_format is None:
                            ws.write_string(r, j, value, fmt)
                        else:
                            ws.write_number(r, j, value, fmt)
                r += 1
            ws.autofilter(header_row, 0, max(r - 1, header_row), n - 1)
            r += 1
            for line in notes(table, ctx):
                ws.write_string(r, 0, line)
                r += 1
            ws.write_string(r, 0, f"Program: {block.program or 'not in the report catalogue'}; "
                                  f"run date {block.run_date}.")
            if table.data is not None:
                _xlsx_data_sheet(wb.add_worksheet("Data"), table.data, formats)
        finally:
            wb.close()


_XLSX_ALIGN = {"l": "left", "c": "center", "r": "right"}
# a displayed number: optional minus, no leading zeros, optional decimals; a flagged p-value ends in "*"
_NUMBER = re.compile(r"(-?(?:0|[1-9][0-9]*)(?:\.([0-9]+))?)(\*?)")
_INDENT_CHARS = "\u00a0 "
_P_COLUMN = re.compile(r"(^|_)p($|_)")
P_FORMAT = f'[<{P_FLOOR:g}]"<{P_FLOOR:g}";0.{"0" * P_DECIMALS}'


class _XlsxFormats:
    """One xlsxwriter format per distinct combination of properties, made on first use."""

    def __init__(self, wb) -> None:
        self.wb = wb
        self.cache: dict[tuple, object] = {}

    def get(self, *, bold: bool = False, size: int | None = None, align: str | None = None,
            num_format: str | None = None, indent: int = 0, wrap: bool = False, border: str | None = None):
        key = (bold, size, align, num_format, indent, wrap, border)
        fmt = self.cache.get(key)
        if fmt is None:
            props = {"bold": bold, "font_size": size, "align": align, "num_format": num_format, "indent": indent,
                     "text_wrap": wrap, "valign": "bottom" if wrap else None,
                     "bottom": 1 if border == "bottom" else None}
            props = {k: v for k, v in props.items() if v}
            fmt = self.cache[key] = self.wb.add_format(props)
        return fmt


def _xlsx_cell(text: str) -> tuple[object, str | None, int]:
    """A displayed cell as (value, number format, indent level): a number with the format of its
    displayed decimals, or the text without its leading indent (one level per 4 leading spaces)."""
    stripped = text.lstrip(_INDENT_CHARS)
    indent = -(-(len(text) - len(stripped)) // 4)
    m = _NUMBER.fullmatch(stripped)
    if not m:
        return stripped, None, indent
    number, decimals, star = m.groups()
    num_format = ("0." + "0" * len(decimals)) if decimals else "0"
    if star:
        num_format += '"*"'
    return (float(number) if decimals else int(number)), num_format, indent


def _xlsx_data_sheet(ws, data: pd.DataFrame, formats: _XlsxFormats) -> None:
    """The tidy result, one column per field: numbers unrounded with a rounded number format."""
    # the study, snapshot and code version are the same on every row: stated on the Table sheet
    frame = data.drop(columns=[c for c in CONSTANT_COLUMNS if c in data.columns])
    names = [str(c) for c in frame.columns]
    bold = formats.get(bold=True, border="bottom")
    for j, name in enumerate(names):
        ws.set_column(j, j, max(10, len(name) + 2))
        ws.write_string(0, j, name, bold)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(frame), 1), max(len(names) - 1, 0))
    when = formats.get(num_format="yyyy-mm-dd hh:mm:ss")
    columns, column_formats = [], []
    for c in frame.columns:
        series = frame[c]
        column_formats.append(formats.get(num_format=_data_format(str(c), series)) if
                              pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
                              else None)
        columns.append([_xlsx_value(v) for v in series.tolist()])
    for i, rec in enumerate(zip(*columns), start=1):
        for j, v in enumerate(rec):
            if v is None:
                continue
            if isinstance(v, datetime):
                ws.write_datetime(i, j, v.replace(tzinfo=None), when)
            elif isinstance(v, bool):
                ws.write_boolean(i, j, v)
            elif isinstance(v, (int, float)):
                ws.write_number(i, j, v, column_formats[j])
            else:
                ws.write(i, j, v)


def _data_format(name: str, series: pd.Series) -> str:
    """Number format of a Data sheet column: p-values to 4 decimals ("<0.0001" below), whole
    numbers without decimals, other numbers to 1-3 decimals (the value itself is not rounded)."""
    if _P_COLUMN.search(name):
        return P_FORMAT
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size == 0 or np.all(finite == np.round(finite)):
        return "0"
    return "0.0##"


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
    run_at = datetime.now(timezone.utc)  # one run date on every format of the table
    paths = []
    p = outdir / f"{table.name}.html"
    write_text_atomic(p, to_html(table, ctx))
    paths.append(p)
    p = outdir / f"{table.name}.rtf"
    to_rtf(table, ctx, p, run_at)
    paths.append(p)
    p = outdir / f"{table.name}.xlsx"
    to_xlsx(table, ctx, p, run_at)
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

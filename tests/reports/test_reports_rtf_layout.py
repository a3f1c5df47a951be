"""The RTF layout read back without LibreOffice: a small RTF tokenizer (groups, control words,
control symbols, text) turns the document into its page header, page footer, page geometry and
table rows, and the tests check what a reviewer files: "Page x of y" fields, the title block, the
program / data snapshot / run-date footer, pages that each open with the header rows (marked to
repeat, and only those), group headings across the full width and repeated "(continued)" on a page
that starts inside a group, and body cells equal to the display table's cells."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd
import pytest

from safety_reports import adverse_events as aes
from safety_reports import render
from safety_reports.model import Column, DisplayTable

RUN_AT = datetime(2026, 3, 4, 5, 6, tzinfo=timezone.utc)
_TOKEN = re.compile(r"\\([a-zA-Z]+)(-?\d+)? ?|\\(.)|([{}])|([^\\{}\r\n]+)|[\r\n]+", re.S)


@dataclass
class Group:
    items: list = field(default_factory=list)     # Group | ("word", name, param) | ("symbol", c) | ("text", s)

    def words(self) -> list[tuple[str, int | None]]:
        return [(i[1], i[2]) for i in self.items if isinstance(i, tuple) and i[0] == "word"]

    def first_word(self) -> str | None:
        for i in self.items:
            if isinstance(i, tuple) and i[0] == "word":
                return i[1]
            if isinstance(i, tuple) and i[0] == "symbol" and i[1] == "*":
                continue
            if isinstance(i, tuple) and i[0] == "text" and not i[1].strip():
                continue
            return None
        return None


def parse(raw: str) -> Group:
    """The group tree of an RTF document (fails on unbalanced braces or text outside the root)."""
    assert raw.startswith("{\\rtf1"), raw[:20]
    stack = [Group()]
    pos = 0
    while pos < len(raw):
        m = _TOKEN.match(raw, pos)
        assert m, f"cannot tokenize at {pos}: {raw[pos:pos + 20]!r}"
        pos = m.end()
        word, param, symbol, brace, text = m.groups()
        if brace == "{":
            stack.append(Group())
        elif brace == "}":
            assert len(stack) > 1, "unbalanced braces"
            done = stack.pop()
            stack[-1].items.append(done)
        elif word:
            stack[-1].items.append(("word", word, int(param) if param is not None else None))
        elif symbol:
            stack[-1].items.append(("symbol", symbol))
        elif text:
            stack[-1].items.append(("text", text))
    assert len(stack) == 1 and len(stack[0].items) == 1, "unbalanced braces"
    return stack[0].items[0]


def text_of(items, skip_fallback: bool = False) -> str:
    """Plain text of a run of tokens: \\uN decoded (its one-character fallback dropped), \\line as a
    newline, escaped braces and backslashes restored; field results kept, instructions dropped."""
    out: list[str] = []
    drop = 0
    for i in items:
        if isinstance(i, Group):
            if i.first_word() in ("fldinst", "fonttbl", "info"):
                continue
            out.append(text_of(i.items))
            continue
        kind = i[0]
        if kind == "word":
            name, param = i[1], i[2]
            if name == "u":
                out.append(chr(param % 65536))
                drop = 1
            elif name == "line":
                out.append("\n")
            elif name == "tab":
                out.append("\t")
            elif name == "par":
                out.append("\n")
        elif kind == "symbol":
            if i[1] in "\\{}":
                out.append(i[1])
        elif kind == "text":
            s = i[1]
            if drop:
                s, drop = s[drop:], 0
            out.append(s)
    return "".join(out)


def fields(group: Group) -> list[str]:
    """Instructions of the fields in a group (PAGE, NUMPAGES, ...)."""
    found = []
    for i in group.items:
        if isinstance(i, Group):
            if i.first_word() == "fldinst":
                found.append(text_of([x for x in i.items if not (isinstance(x, tuple) and x[0] == "symbol")]).strip())
            else:
                found += fields(i)
    return found


@dataclass
class Row:
    header: bool
    edges: list[int]
    cells: list[str]
    page_break: bool = False      # the row starts a new page


@dataclass
class Document:
    root: Group
    header: Group
    footer: Group
    words: dict[str, int | None]
    rows: list[Row]


def read(raw: str) -> Document:
    root = parse(raw)
    groups = {g.first_word(): g for g in root.items if isinstance(g, Group)}
    assert "header" in groups and "footer" in groups
    words: dict[str, int | None] = {}
    rows: list[Row] = []
    current: Row | None = None
    cell: list = []
    for i in root.items:
        if isinstance(i, Group):
            if current is not None:
                cell.append(i)
            continue
        if i[0] == "word":
            name, param = i[1], i[2]
            words.setdefault(name, param)
            if name == "trowd":
                current, cell = Row(header=False, edges=[], cells=[]), []
            elif current is not None and name == "trhdr":
                current.header = True
            elif current is not None and name == "pagebb":
                current.page_break = True
            elif current is not None and name == "cellx":
                current.edges.append(param)
            elif current is not None and name == "cell":
                current.cells.append(text_of(cell))
                cell = []
            elif current is not None and name == "row":
                assert len(current.cells) == len(current.edges), "cells and cell definitions differ"
                rows.append(current)
                current = None
            elif current is not None:
                cell.append(i)
        elif current is not None:
            cell.append(i)
    return Document(root=root, header=groups["header"], footer=groups["footer"], words=words, rows=rows)


@pytest.fixture()
def soc_pt_table(results, ctx):
    result = aes.soc_pt(results["results_ae_soc_pt"], ctx)
    return aes.display_soc_pt(result, ctx, "t_ae_soc_pt", "TEAE by SOC and PT", "TEAE")


def long_table(rows: int) -> DisplayTable:
    columns = [Column("label", "Parameter", align="l", width=2.5)] + [
        Column(f"{arm}_{k}", k, spanner=f"{arm} (N=9)") for arm in ("Placebo", "Active") for k in ("n", "Mean (SD)")]
    body = pd.DataFrame([{"grp": f"Group {i // 50} \u2265 {i // 50 * 50}", "label": f"Row {i}",
                          **{c.key: f"{i} ({i / 7:.2f})" for c in columns[1:]}} for i in range(rows)])
    return DisplayTable(name="t_ae_soc_pt", title="A long table", columns=columns, body=body, group="grp",
                        footnotes=["A footnote {with braces} and a backslash \\."])


def test_page_numbers_title_block_and_footer(soc_pt_table, ctx, tmp_path):
    path = tmp_path / "t.rtf"
    render.to_rtf(soc_pt_table, ctx, path, run_at=RUN_AT)
    doc = read(path.read_text(encoding="ascii"))
    assert fields(doc.header) == ["PAGE", "NUMPAGES"]
    header = text_of(doc.header.items)
    lines = [line.strip() for line in header.splitlines() if line.strip()]
    assert lines[0].startswith("Study FIX01\tPage ") and lines[0].endswith(" of 1")
    # the table number comes from the catalogue: t_ae_soc_pt's place among its tables
    from safety_reports.catalog import table_names

    assert lines[1:] == [f"Table {table_names().index('t_ae_soc_pt') + 1}", "TEAE by SOC and PT",
                         "Fixture study | Safety population"]
    footer = [line.strip() for line in text_of(doc.footer.items).splitlines() if line.strip()]
    assert footer == ["Program: safety_reports/tables/ae_soc_pt.py\tRun date: 2026-03-04 05:06 UTC",
                      "Data snapshot ffffffffffffffff; code version test."]
    # the footnotes follow the table in the body, the test used and N per arm among them
    body = text_of(doc.root.items)
    assert "Fisher's exact test" in body and "N per arm: Placebo 4; Low 3; High 3" in body


def test_header_rows_repeat_and_body_cells_equal_the_display(soc_pt_table, ctx, tmp_path):
    path = tmp_path / "t.rtf"
    render.to_rtf(soc_pt_table, ctx, path, run_at=RUN_AT)
    doc = read(path.read_text(encoding="ascii"))
    spanners, labels, *body = doc.rows
    assert spanners.header and labels.header and not any(r.header for r in body)
    assert spanners.cells == [label for label, _ in soc_pt_table.spanners()]
    assert "Placebo (N=4)" in spanners.cells
    assert labels.cells == [c.label for c in soc_pt_table.columns]
    expected, _ = render._rows_with_groups(soc_pt_table)
    assert [r.cells for r in body] == expected.values.tolist()   # including the non-breaking-space indent
    assert all(r.edges == labels.edges for r in body)
    # spanners end on the edge of the last column they span
    ends = [sum(span for _, span in soc_pt_table.spanners()[:k + 1]) - 1 for k in range(len(spanners.cells))]
    assert spanners.edges == [labels.edges[e] for e in ends]


def pages(doc: Document) -> list[list[Row]]:
    """The rows of each page (a page starts at a row marked with a page break)."""
    out: list[list[Row]] = []
    for row in doc.rows:
        if row.page_break or not out:
            out.append([])
        out[-1].append(row)
    return out


def test_long_table_pages_open_with_the_header_rows_only(ctx, tmp_path):
    table = long_table(400)
    path = tmp_path / "long.rtf"
    render.to_rtf(table, ctx, path, run_at=RUN_AT)
    doc = read(path.read_text(encoding="ascii"))
    spanners = [label for label, _ in table.spanners()]
    labels = [c.label for c in table.columns]
    paged = pages(doc)
    assert len(paged) >= 5
    body: list[Row] = []
    for number, page in enumerate(paged):
        assert [r.header for r in page[:2]] == [True, True] and not any(r.header for r in page[2:])
        assert page[0].cells == spanners and page[1].cells == labels
        assert page[0].page_break == (number > 0) and not any(r.page_break for r in page[1:])
        rows = page[2:]
        if number and len(rows[0].cells) == 1 and rows[0].cells[0].endswith(" (continued)"):
            previous = [r.cells[0] for r in body if len(r.cells) == 1][-1]
            assert rows[0].cells == [f"{previous} (continued)"]
            rows = rows[1:]
        elif number:
            # a page starts with a group heading, or inside a group with its heading repeated
            assert len(rows[0].cells) == 1, rows[0].cells
        assert len(rows[-1].cells) > 1                                  # no heading last on a page
        if number < len(paged) - 1:
            assert len(page) >= 45                                      # a page holds many rows
        body += rows
    assert sum(r.header for r in doc.rows) == 2 * len(paged)
    expected, headings = render._rows_with_groups(table)
    assert len(body) == len(expected) == 400 + 8
    full_width = doc.rows[1].edges[-1]
    for row, values, heading in zip(body, expected.values.tolist(), headings):
        if heading:   # a group heading is one cell across the whole table
            assert row.cells == [values[0]] and row.edges == [full_width]
        else:
            assert row.cells == values
    assert body[0].cells == ["Group 0 \u2265 0"]
    assert "A footnote {with braces} and a backslash \\." in text_of(doc.root.items)


def test_paginate_keeps_headings_with_their_rows():
    from safety_reports.rtf import paginate

    lines = [1, 1, 1, 2, 1, 1, 1]
    headings = [True, False, False, True, False, True, False]
    assert paginate(lines, headings, 4) == [(0, 3), (3, 5), (5, 7)]
    # a heading that would end a page moves to the next one
    assert paginate([1, 1, 1, 1], [False, False, True, False], 3) == [(0, 2), (2, 4)]
    # a row taller than a page still gets a page of its own
    assert paginate([5, 1], [False, False], 3) == [(0, 1), (1, 2)]
    assert paginate([], [], 3) == [(0, 0)]


def test_page_geometry_is_compact(soc_pt_table, ctx, tmp_path):
    path = tmp_path / "t.rtf"
    render.to_rtf(soc_pt_table, ctx, path, run_at=RUN_AT)
    w = read(path.read_text(encoding="ascii")).words
    assert "landscape" in w and w["paperw"] > w["paperh"]          # 9 columns: landscape
    assert w["margl"] <= 1440 and w["margr"] <= 1440
    assert w["margt"] <= 1.25 * 1440 and w["margb"] <= 1440
    # the page header and footer fit their margins
    assert w["headery"] < w["margt"] and w["footery"] < w["margb"]
    line = w["fs"] * 10 * 1.15                                         # twips a 9 pt line takes
    assert (w["paperh"] - w["margt"] - w["margb"]) / line >= 40      # rows a page holds


def test_numbers_fit_their_columns(ctx, tmp_path):
    """A column is at least as wide as its longest cell on one line (Courier New: 0.6 em a character)."""
    table = long_table(30)
    path = tmp_path / "long.rtf"
    render.to_rtf(table, ctx, path, run_at=RUN_AT)
    doc = read(path.read_text(encoding="ascii"))
    char = doc.words["fs"] * 10 * 0.6
    edges = doc.rows[1].edges
    widths = [b - a for a, b in zip([0] + edges[:-1], edges)]
    for j, width in enumerate(widths):
        longest = max(len(r.cells[j]) for r in doc.rows[2:] if len(r.cells) == len(edges))
        assert width >= longest * char, (j, width, longest)

"""RTF for a display table, written directly, laid out as a filed safety table: a letter page
(landscape for wide tables) with 0.75-inch side margins and top and bottom margins just tall
enough for the page header and footer, Courier New 9 pt.

- Page header, on every page: the study on the left and "Page x of y" (PAGE and NUMPAGES fields) on
  the right, then the table number, the title and the population, centred.
- The rows are laid out in pages: as many as a page holds, estimated from each row's wrapped lines
  (the font is monospaced, so a cell's lines follow from its text and its column's width). Every
  page opens with the column headers (the arm spanners and the column labels), so every reader
  shows them on every page; they are also header rows (\trhdr), which Word repeats itself should a
  page hold fewer rows than estimated. No body row is a header row.
- A group heading is one bold cell spanning the full width, never last on a page; a page that
  starts inside a group repeats its heading, marked "(continued)". Each page ends with a rule.
- Columns are at least as wide as their longest cell on one line (up to UNWRAPPED characters).
- The footnotes follow the table; the page footer states the program that built the table, the
  data snapshot and code version, and the run date.

The document is one string built in a single pass over the rows, so a table of any length costs
time in proportion to its cells. Text is escaped for RTF: backslash and braces, line breaks as
\\line, and every non-ASCII character as a \\uN Unicode escape with an ASCII fallback."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

TWIPS_PER_INCH = 1440
LETTER = (8.5, 11.0)      # inches, portrait
SIDE_MARGIN = 0.75        # inches, left and right
EDGE = 0.4                # inches from the paper edge to the page header and to the page footer
FONT_HALF_POINTS = 18     # 9 pt body and header
NOTE_HALF_POINTS = 16     # 8 pt footnotes and page footer
CELL_PADDING = 72         # twips each side of a cell's text (0.05 inch)
UNWRAPPED = 28            # characters of a cell a column is widened to hold on one line
GAP = 120                 # twips between the page header (or footer) and the table
RULE = r"{\pard\plain\f0\fs4\brdrt\brdrs\brdrw10\par}"   # a thin paragraph drawing a horizontal rule
CONTINUED = "(continued)"
_ALIGN = {"l": r"\ql", "c": r"\qc", "r": r"\qr"}


@dataclass(frozen=True)
class TitleBlock:
    """What the page header and footer of every page state."""

    study: str
    number: str | None        # the table's number in the catalogue, e.g. "Table 3"
    title: str
    population: str
    program: str | None       # the module that built the table
    provenance: str           # data snapshot and code version
    run_date: str


def escape(text: object) -> str:
    """RTF text of a value: None and NaN are empty; non-ASCII characters become \\uN? escapes."""
    if text is None:
        return ""
    s = str(text)
    if s == "nan":
        return ""
    out = []
    for ch in s:
        code = ord(ch)
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append(r"\line ")
        elif ch == "\t":
            out.append(r"\tab ")
        elif code < 32:
            continue
        elif code < 128:
            out.append(ch)
        elif code < 0x10000:
            out.append(f"\\u{code if code < 32768 else code - 65536}?")
        else:  # outside the BMP: a UTF-16 surrogate pair
            v = code - 0x10000
            for unit in (0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF)):
                out.append(f"\\u{unit - 65536}?")
    return "".join(out)


def _line_twips(half_points: int) -> int:
    """Height of one line of Courier New at a size (its line spacing is about 1.15 em)."""
    return math.ceil(half_points * 10 * 1.15)


def _char_twips(half_points: int = FONT_HALF_POINTS) -> float:
    """Width of one character of Courier New at a size (0.6 em)."""
    return half_points * 10 * 0.6


def _lines(text: str, half_points: int, usable_twips: int) -> int:
    """Lines a paragraph of monospaced text wraps to at a width."""
    return _text_lines(text, max(1, int(usable_twips / _char_twips(half_points))))


def _edges(widths: Sequence[float], usable_twips: int, labels: Sequence[str],
           rows: Sequence[Sequence[object]], headings: Sequence[bool]) -> list[int]:
    """Right edges (twips) of the cells. Each column gets at least the width its longest cell needs
    on one line (up to UNWRAPPED characters; a header label by its longest word), so numbers do not
    wrap; the width left over goes to the columns whose share of the relative widths is more than
    they need. When the needs exceed the page, they are scaled down together."""
    n = len(labels)
    longest = [max((len(word) for word in str(label).split()), default=0) for label in labels]
    for values, heading in zip(rows, headings):
        if heading:
            continue
        for j in range(n):
            size = len(str(values[j]))
            if size > longest[j]:
                longest[j] = size
    char = _char_twips()
    need = [(min(size, UNWRAPPED) + 1) * char + 2 * CELL_PADDING for size in longest]  # a character spare
    total = sum(widths) or 1.0
    share = [usable_twips * w / total for w in widths]
    if sum(need) <= usable_twips:
        extra = usable_twips - sum(need)
        want = [max(s - w, 0.0) for s, w in zip(share, need)]
        spare = sum(want)
        cols = [w + (extra * x / spare if spare else extra / n) for w, x in zip(need, want)]
    else:
        cols = [usable_twips * w / sum(need) for w in need]
    edges, acc = [], 0.0
    for w in cols:
        acc += w
        edges.append(round(acc))
    edges[-1] = usable_twips
    return edges


def _row(cells: Iterable[str], edges: Sequence[int], aligns: Sequence[str], *, header: bool = False,
         bold: bool = False, keep_with_next: bool = False, page_break: bool = False, border_top: bool = False,
         border_bottom: Sequence[bool] | bool = False) -> str:
    cells = list(cells)
    bottoms = border_bottom if isinstance(border_bottom, (list, tuple)) else [border_bottom] * len(cells)
    parts = [r"\trowd\trgaph", str(CELL_PADDING), r"\trleft0"]
    if header:
        parts.append(r"\trhdr")
    parts.append(r"\trkeep")
    if keep_with_next:
        parts.append(r"\trkeepfollow")
    for edge, bottom in zip(edges, bottoms):
        if border_top:
            parts.append(r"\clbrdrt\brdrs\brdrw10")
        if bottom:
            parts.append(r"\clbrdrb\brdrs\brdrw10")
        parts.append(rf"\clvertalb\cellx{edge}")
    parts.append("\n")
    weight = r"\b " if bold else ""
    for k, (text, align) in enumerate(zip(cells, aligns)):
        brk = r"\pagebb" if page_break and k == 0 else ""
        parts.append(r"\pard\intbl" + brk + _ALIGN.get(align, _ALIGN["l"]) + "{" + weight + text + "}\\cell\n")
    parts.append("\\row\n")
    return "".join(parts)


def _page_header(block: TitleBlock, usable: int) -> tuple[str, int]:
    """The page header group and its height in twips."""
    fs = FONT_HALF_POINTS
    lines = [rf"\pard\plain\f0\fs{fs}\tqr\tx{usable} {escape(block.study)}\tab Page "
             r"{\field{\*\fldinst PAGE}{\fldrslt 1}} of {\field{\*\fldinst NUMPAGES}{\fldrslt 1}}\par"]
    height = _line_twips(fs)
    centred = ([(block.number, True)] if block.number else []) + [(block.title, True), (block.population, False)]
    for text, bold in centred:
        lines.append(rf"\pard\plain\f0\fs{fs}\qc" + (r"\b " if bold else " ") + escape(text) + r"\par")
        height += _lines(text, fs, usable) * _line_twips(fs)
    return "{\\header\n" + "\n".join(lines) + "}", height


def _page_footer(block: TitleBlock, usable: int) -> tuple[str, int]:
    """The page footer group (program and run date, then the data snapshot) and its height."""
    fs = NOTE_HALF_POINTS
    program = f"Program: {block.program}" if block.program else "Program: not in the report catalogue"
    lines = [RULE,
             rf"\pard\plain\f0\fs{fs}\tqr\tx{usable} {escape(program)}\tab "
             rf"Run date: {escape(block.run_date)}\par",
             rf"\pard\plain\f0\fs{fs} {escape(block.provenance)}\par"]
    height = 40 + (_lines(program + block.run_date, fs, usable) + _lines(block.provenance, fs, usable)) * _line_twips(fs)
    return "{\\footer\n" + "\n".join(lines) + "}", height


def _fits(edges: Sequence[int]) -> list[int]:
    """Characters a line of each cell holds, from the cells' right edges."""
    char = _char_twips()
    lefts = [0, *edges[:-1]]
    return [max(1, int((right - left - 2 * CELL_PADDING) / char)) for left, right in zip(lefts, edges)]


def _text_lines(text: str, fit: int) -> int:
    """Lines a cell's text wraps to at `fit` characters a line (word wrap; long words broken)."""
    total = 0
    for part in text.split("\n"):
        if len(part) <= fit:
            total += 1
        else:
            total += max(1, len(textwrap.wrap(part, fit, break_long_words=True, drop_whitespace=True)))
    return total


def _row_lines(values: Sequence[object], fits: Sequence[int]) -> int:
    return max([_text_lines(str(v), fit) for v, fit in zip(values, fits)] or [1])


def paginate(lines: Sequence[int], headings: Sequence[bool], room: int) -> list[tuple[int, int]]:
    """(first, end) row ranges of the pages: as many rows as `room` lines hold (at least one row a
    page), and a group heading never last on a page (it moves to the next with its first row)."""
    room = max(room, 1)
    pages: list[tuple[int, int]] = []
    first, used = 0, 0
    for i, size in enumerate(lines):
        if used + size > room and i > first:
            end = i
            while end - 1 > first and headings[end - 1]:
                end -= 1
            pages.append((first, end))
            first, used = end, sum(lines[end:i])
        used += size
    pages.append((first, len(lines)))
    return pages


def table_document(*, block: TitleBlock, labels: Sequence[str], widths: Sequence[float],
                   aligns: Sequence[str], rows: Iterable[Sequence[object]], headings: Iterable[bool],
                   spanners: Sequence[tuple[str, int]] | None, notes: Sequence[str], landscape: bool) -> str:
    """The RTF document of one table. `rows` are the body lines (each a value per column) and
    `headings` marks the group heading lines, whose first value spans the row; `spanners` are
    (label, number of columns) runs over the column headers."""
    width_in, height_in = (LETTER[1], LETTER[0]) if landscape else LETTER
    paper_w, paper_h = round(width_in * TWIPS_PER_INCH), round(height_in * TWIPS_PER_INCH)
    side = round(SIDE_MARGIN * TWIPS_PER_INCH)
    edge = round(EDGE * TWIPS_PER_INCH)
    usable = paper_w - 2 * side
    header, header_height = _page_header(block, usable)
    footer, footer_height = _page_footer(block, usable)
    # the body starts under the page header and ends above the page footer
    top, bottom = edge + header_height + GAP, edge + footer_height + GAP
    rows, headings = list(rows), list(headings)
    edges = _edges(widths, usable, labels, rows, headings)
    n = len(labels)
    orient, section_orient = (r"\landscape", r"\lndscpsxn") if landscape else ("", "")
    out = [
        r"{\rtf1\ansi\ansicpg1252\deff0\uc1",
        r"{\fonttbl{\f0\fmodern\fcharset0 Courier New;}}",
        rf"{{\info{{\title {escape(block.title)}}}}}",
        rf"\paperw{paper_w}\paperh{paper_h}\margl{side}\margr{side}\margt{top}\margb{bottom}{orient}",
        rf"\sectd\pgwsxn{paper_w}\pghsxn{paper_h}\marglsxn{side}\margrsxn{side}\margtsxn{top}\margbsxn{bottom}"
        rf"{section_orient}\headery{edge}\footery{edge}\f0\fs{FONT_HALF_POINTS}",
        header,
        footer,
        "",
    ]
    def header_rows(page_break: bool) -> list[str]:
        out = []
        if spanners:
            out.append(_row((escape(label) for label, _ in spanners), span_edges, ["c"] * len(spanners),
                            header=True, page_break=page_break, border_top=True,
                            border_bottom=[bool(label) for label, _ in spanners]))
        out.append(_row((escape(label) for label in labels), edges, aligns, header=True,
                        page_break=page_break and not spanners, border_top=not spanners, border_bottom=True))
        return out

    span_edges, start = [], 0
    for _label, span in spanners or ():
        start += span
        span_edges.append(edges[start - 1])
    first_header, next_header = header_rows(False), header_rows(True)
    # explicit pages, each opening with the header rows: every reader shows them on every page
    # (Word also repeats \trhdr rows itself, should a page hold fewer lines than estimated)
    fits = _fits(edges)
    line = _line_twips(FONT_HALF_POINTS)
    room = (paper_h - top - bottom) // line - 1      # a line spare for the rules and rounding
    header_lines = (_row_lines([label for label, _ in spanners], _fits(span_edges)) if spanners else 0) \
        + _row_lines(labels, fits)
    full_fit = _fits([usable])
    lines = [_row_lines(values[:1], full_fit) if heading else _row_lines(values[:n], fits)
             for values, heading in zip(rows, headings)]
    heading_edges = [edges[-1]]
    grouped = any(headings)
    group = None    # the heading of the group a row belongs to
    # a page that starts inside a group repeats its heading, marked "(continued)": a line kept for it
    for p, (first, last) in enumerate(paginate(lines, headings, room - header_lines - grouped)):
        out.extend(next_header if p else first_header)   # a later page starts with a page break
        if group is not None and not headings[first]:
            out.append(_row([escape(f"{group} {CONTINUED}")], heading_edges, ["l"], bold=True, keep_with_next=True))
        for values, heading in zip(rows[first:last], headings[first:last]):
            if heading:
                group = values[0]
                out.append(_row([escape(values[0])], heading_edges, ["l"], bold=True, keep_with_next=True))
            else:
                out.append(_row((escape(v) for v in values[:n]), edges, aligns))
        out.append(RULE)       # the closing rule of the page
    # the footnotes under the table
    for line_text in notes:
        out.append(rf"\pard\plain\f0\fs{NOTE_HALF_POINTS} {escape(line_text)}\par")
    out.append("}")
    return "\n".join(out)

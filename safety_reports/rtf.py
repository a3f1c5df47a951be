"""RTF for a display table, written directly: a letter page (landscape for wide tables) with 1-inch
margins, Courier New 9 pt, the title and subtitle in the page header with "Page x of y", column
headers (and their spanners) as header rows that Word repeats on every page, one row per body line
with group headings in bold, and the notes in the page footer.

The document is one string built in a single pass over the rows, so a table of any length costs
time in proportion to its cells. Text is escaped for RTF: backslash and braces, line breaks as
\\line, and every non-ASCII character as a \\uN Unicode escape with an ASCII fallback."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

TWIPS_PER_INCH = 1440
LETTER = (8.5, 11.0)      # inches, portrait
MARGIN = 1.0              # inches, all sides
FONT_HALF_POINTS = 18     # 9 pt
CELL_PADDING = 72         # twips each side of a cell's text (0.05 inch)
_ALIGN = {"l": r"\ql", "c": r"\qc", "r": r"\qr"}


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


def _edges(widths: Sequence[float], usable_twips: int) -> list[int]:
    """Right edges (twips) of the cells, the relative widths scaled to the usable page width."""
    total = sum(widths) or 1.0
    edges, acc = [], 0.0
    for w in widths:
        acc += w
        edges.append(round(usable_twips * acc / total))
    return edges


def _row(cells: Iterable[str], edges: Sequence[int], aligns: Sequence[str], *, header: bool = False,
         bold: bool = False, border_top: bool = False, border_bottom: Sequence[bool] | bool = False) -> str:
    cells = list(cells)
    bottoms = border_bottom if isinstance(border_bottom, (list, tuple)) else [border_bottom] * len(cells)
    parts = [r"\trowd\trgaph", str(CELL_PADDING), r"\trleft0"]
    if header:
        parts.append(r"\trhdr")
    parts.append(r"\trkeep")
    for edge, bottom in zip(edges, bottoms):
        if border_top:
            parts.append(r"\clbrdrt\brdrs\brdrw10")
        if bottom:
            parts.append(r"\clbrdrb\brdrs\brdrw10")
        parts.append(rf"\clvertalb\cellx{edge}")
    parts.append("\n")
    weight = r"\b " if bold else ""
    for text, align in zip(cells, aligns):
        parts.append(r"\pard\intbl" + _ALIGN.get(align, _ALIGN["l"]) + "{" + weight + text + "}\\cell\n")
    parts.append("\\row\n")
    return "".join(parts)


def table_document(*, title: str, subtitle: str, labels: Sequence[str], widths: Sequence[float],
                   aligns: Sequence[str], rows: Iterable[Sequence[object]], headings: Iterable[bool],
                   spanners: Sequence[tuple[str, int]] | None, notes: Sequence[str], landscape: bool) -> str:
    """The RTF document of one table. `rows` are the body lines (each a value per column) and
    `headings` marks the group heading lines, whose first value spans the row; `spanners` are
    (label, number of columns) runs over the column headers."""
    width_in, height_in = (LETTER[1], LETTER[0]) if landscape else LETTER
    usable = round((width_in - 2 * MARGIN) * TWIPS_PER_INCH)
    edges = _edges(widths, usable)
    n = len(labels)
    margin = round(MARGIN * TWIPS_PER_INCH)
    out = [
        r"{\rtf1\ansi\ansicpg1252\deff0\uc1",
        r"{\fonttbl{\f0\fmodern\fcharset0 Courier New;}}",
        rf"\paperw{round(width_in * TWIPS_PER_INCH)}\paperh{round(height_in * TWIPS_PER_INCH)}"
        rf"\margl{margin}\margr{margin}\margt{margin}\margb{margin}"
        + (r"\landscape" if landscape else "")
        + rf"\headery{margin // 2}\footery{margin // 2}",
        rf"\sectd\f0\fs{FONT_HALF_POINTS}",
        # title block in the page header, repeated on every page with the page count
        r"{\header\pard\qr\f0\fs" + str(FONT_HALF_POINTS)
        + r" Page {\field{\*\fldinst PAGE}{\fldrslt 1}} of {\field{\*\fldinst NUMPAGES}{\fldrslt 1}}\par"
        + rf"\pard\qc\b {escape(title)}\b0\par"
        + rf"\pard\qc {escape(subtitle)}\par\pard\par}}",
        r"{\footer\pard\ql\f0\fs" + str(FONT_HALF_POINTS - 2) + " "
        + r"\par ".join(escape(line) for line in notes) + r"\par}",
        "",
    ]
    if spanners:
        span_edges, start = [], 0
        for _label, span in spanners:
            start += span
            span_edges.append(edges[start - 1])
        out.append(_row((escape(label) for label, _ in spanners), span_edges, ["c"] * len(spanners),
                        header=True, border_top=True, border_bottom=[bool(label) for label, _ in spanners]))
    out.append(_row((escape(label) for label in labels), edges, aligns, header=True,
                    border_top=not spanners, border_bottom=True))
    heading_edges = [edges[-1]]
    for values, heading in zip(rows, headings):
        if heading:
            out.append(_row([escape(values[0])], heading_edges, ["l"], bold=True))
        else:
            out.append(_row((escape(v) for v in values[:n]), edges, aligns))
    # a closing rule under the last row
    out.append(r"\pard\plain\f0\fs4\brdrt\brdrs\brdrw10\par" + "\n")
    out.append("}")
    return "\n".join(out)

"""Rendered files open and say what they must: RTF parses back to text holding the title and a
known cell, XLSX reads back with openpyxl, PNG and SVG are real images, HTML carries the table."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from openpyxl import load_workbook

from safety_reports import adverse_events as aes
from safety_reports import by_visit as bv
from safety_reports import render
from safety_reports.model import Column, DisplayTable


def rtf_text(raw: str) -> str:
    """Plain text of an RTF document: checks the header and the group nesting, drops the font
    table and control words, decodes \\'hh and \\uN escapes."""
    assert raw.startswith("{\\rtf1"), raw[:20]
    depth = 0
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            assert depth >= 0, "unbalanced braces"
        i += 1
    assert depth == 0, "unbalanced braces"
    text = re.sub(r"\{\\fonttbl.*?\}\s*\}", "", raw, flags=re.S)
    text = re.sub(r"\\u(-?\d+)\??", lambda m: chr(int(m.group(1)) % 65536), text)
    text = re.sub(r"\\'([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]).decode("cp1252"), text)
    text = re.sub(r"\\(line|par|cell|row)\b ?", " ", text)
    text = re.sub(r"\\[a-zA-Z]+-?\d* ?", "", text)
    text = text.replace("\\{", "{").replace("\\}", "}").replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", text)


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture()
def soc_pt_table(results, ctx):
    result = aes.soc_pt(results["results_ae_soc_pt"], ctx)
    return aes.display_soc_pt(result, ctx, "t_ae_soc_pt", "TEAE by SOC and PT", "TEAE")


def test_rtf_parses_back_with_title_and_cell(soc_pt_table, ctx, tmp_path):
    path = tmp_path / "t.rtf"
    render.to_rtf(soc_pt_table, ctx, path)
    text = rtf_text(path.read_text(encoding="utf-8"))
    assert "TEAE by SOC and PT" in text
    assert "GASTROINTESTINAL DISORDERS" in text
    assert "2 (50.0)" in text                      # Placebo, any TEAE
    assert "Placebo (N=4)" in text                 # N per arm in the header
    assert "Fisher's exact test" in text           # the test used
    assert "Data snapshot ffffffffffffffff" in text and "code version test" in text


def test_xlsx_reads_back(soc_pt_table, ctx, tmp_path):
    path = tmp_path / "t.xlsx"
    render.to_xlsx(soc_pt_table, ctx, path)
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == ["Table", "Data"]
    rows = [[c for c in r] for r in wb["Table"].iter_rows(values_only=True)]
    assert rows[0][0] == "TEAE by SOC and PT"
    flat = [str(v) for r in rows for v in r if v is not None]
    assert "Subjects with at least one TEAE" in flat and "2 (50.0)" in flat
    assert any("N per arm: Placebo 4; Low 3; High 3" in v for v in flat)
    data = list(wb["Data"].iter_rows(values_only=True))
    assert data[0][:3] == ("level", "soc", "pt")
    assert len(data) == 1 + len(soc_pt_table.data)
    overall = [r for r in data[1:] if r[0] == "overall" and r[3] == "Placebo"][0]
    assert overall[6] == 2  # n_subjects kept as a number


def test_html_table_page(soc_pt_table, ctx):
    page = render.to_html(soc_pt_table, ctx)
    assert page.startswith("<!DOCTYPE html>") and 'href="index.html"' in page
    assert "TEAE by SOC and PT" in page and "2 (50.0)" in page and "Placebo (N=4)" in page
    assert "Safety population" in page


def test_grouped_table_renders_group_headings(results, ctx, tmp_path):
    res = bv.compute(results["results_lab_by_visit"], pd.DataFrame(columns=["paramcd", "visitn", "arm", "chg", "base"]),
                     ctx, bv.LAB, "ancova")
    table = bv.display(res, ctx, bv.LAB, "ancova")
    rows, flags = render._rows_with_groups(table)
    assert flags[0] and rows.iloc[0]["visit"] == "Alanine Aminotransferase (U/L)"
    assert sum(flags) == 1 and len(rows) == len(table.body) + 1
    paths = render.render_table(table, ctx, tmp_path)
    assert [p.suffix for p in paths] == [".html", ".rtf", ".xlsx"]
    assert "Alanine Aminotransferase (U/L)" in rtf_text(paths[1].read_text(encoding="utf-8"))


def test_figure_png_and_svg(results, ctx, tmp_path):
    fig = aes.dot_plot(aes.risk_differences(results["results_ae_risk_diff"], ctx), ctx)
    png, svg = render.render_figure(fig, ctx, tmp_path)
    width, height = png_size(png)
    assert width >= 600 and height >= 300 and png.stat().st_size > 10_000
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    body = svg.read_text(encoding="utf-8")
    assert "NAUSEA" in body and "Data snapshot" in body  # text kept as text


def test_display_table_requires_its_columns():
    with pytest.raises(ValueError):
        DisplayTable(name="x", title="x", columns=[Column("a", "A")], body=pd.DataFrame({"b": ["1"]}))


def test_failed_render_leaves_previous_file_and_no_temporary(tmp_path):
    from safety_reports.render import atomic_output, write_text_atomic

    target = tmp_path / "t_x.html"
    write_text_atomic(target, "first")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("renderer failed")
    assert target.read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["t_x.html"]
    write_text_atomic(target, "second")
    assert target.read_text() == "second"

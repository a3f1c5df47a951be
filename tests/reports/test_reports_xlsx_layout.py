"""The XLSX a table opens as in Excel, read back with openpyxl: numbers stored as numbers with the
number format of their displayed decimals, combined cells kept as displayed text, indents as cell
indents, the arm spanners merged over their columns, panes frozen below the header, autofilters
on the table header and the Data sheet, and the Data sheet's unrounded numbers shown rounded."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from safety_reports import adverse_events as aes
from safety_reports import render

RUN_AT = datetime(2026, 3, 4, 5, 6, tzinfo=timezone.utc)


@pytest.fixture()
def soc_pt(results, ctx, tmp_path):
    result = aes.soc_pt(results["results_ae_soc_pt"], ctx)
    table = aes.display_soc_pt(result, ctx, "t_ae_soc_pt", "TEAE by SOC and PT", "TEAE")
    path = tmp_path / "t.xlsx"
    render.to_xlsx(table, ctx, path, run_at=RUN_AT)
    return table, load_workbook(path)


@pytest.mark.parametrize("text, value, num_format, indent", [
    ("12.3", 12.3, "0.0", 0),
    ("12", 12, "0", 0),
    ("-0.75", -0.75, "0.00", 0),
    ("0.0123*", 0.0123, '0.0000"*"', 0),
    ("1.0000", 1.0, "0.0000", 0),
    ("<0.0001", "<0.0001", None, 0),
    ("2 (50.0)", "2 (50.0)", None, 0),
    ("16.4, 20.2", "16.4, 20.2", None, 0),
    ("007", "007", None, 0),
    ("1e5", "1e5", None, 0),
    ("\u00a0" * 4 + "NAUSEA", "NAUSEA", None, 1),
    ("\u00a0" * 8 + "3", 3, "0", 2),
])
def test_displayed_cell_to_excel_value(text, value, num_format, indent):
    got = render._xlsx_cell(text)
    assert got == (value, num_format, indent)
    assert type(got[0]) is type(value)


def test_table_sheet_numbers_formats_and_text(soc_pt):
    table, wb = soc_pt
    ws = wb["Table"]
    header_row = 6                      # title block (3 rows), a blank, the spanners, the labels
    assert [c.value for c in ws[header_row]][:2] == ["System organ class\n    Preferred term", "n (%)"]
    expected, flags = render._rows_with_groups(table)
    keys = [c.key for c in table.columns]
    for offset, (values, heading) in enumerate(zip(expected.itertuples(index=False, name=None), flags)):
        cells = ws[header_row + 1 + offset][:len(keys)]
        for cell, text in zip(cells, values):
            value, num_format, indent = render._xlsx_cell(text)
            if value == "":
                assert cell.value is None
            elif num_format is None:
                assert cell.data_type == "s" and cell.value == value
                assert not cell.value.startswith(("\u00a0", " "))
                assert (cell.alignment.indent or 0) == indent
            else:
                assert cell.data_type == "n" and cell.value == pytest.approx(float(text.rstrip("*")))
                assert cell.number_format == num_format
    # the first body row: "2 (50.0)" stays text, event counts and p-values are numbers
    first = [c.value for c in ws[header_row + 1]]
    assert first[0] == "Subjects with at least one TEAE" and first[1] == "2 (50.0)"
    assert isinstance(first[2], int) and isinstance(first[7], (int, float))
    assert ws.cell(header_row + 1, 8).number_format == "0.0000"
    # preferred terms are indented by the cell format, not by spaces
    nausea = next(r for r in ws.iter_rows(min_row=header_row + 1) if r[0].value == "NAUSEA")
    assert nausea[0].alignment.indent == 1


def test_table_sheet_header_merged_frozen_and_filtered(soc_pt):
    table, wb = soc_pt
    ws = wb["Table"]
    spanner_row, header_row = 5, 6
    merged = sorted(str(r) for r in ws.merged_cells.ranges)
    expected, col = [], 1
    for label, span in table.spanners():
        if label and span > 1:
            expected.append(f"{get_column_letter(col)}{spanner_row}:{get_column_letter(col + span - 1)}{spanner_row}")
            assert ws.cell(spanner_row, col).value == label
        col += span
    assert merged == sorted(expected) and len(merged) == 3
    assert ws.freeze_panes == f"B{header_row + 1}"
    rows, _ = render._rows_with_groups(table)
    last = header_row + len(rows)
    assert ws.auto_filter.ref == f"A{header_row}:{get_column_letter(len(table.columns))}{last}"
    assert ws.cell(1, 1).value == "TEAE by SOC and PT"
    from safety_reports.catalog import table_names

    assert ws.cell(3, 1).value == f"Table {table_names().index('t_ae_soc_pt') + 1}; Study FIX01"
    notes = [r[0].value for r in ws.iter_rows(min_row=last + 1) if r[0].value]
    assert notes[-1] == "Program: safety_reports/tables/ae_soc_pt.py; run date 2026-03-04 05:06 UTC."
    assert any("Data snapshot ffffffffffffffff" in n for n in notes)


def test_data_sheet_unrounded_numbers_rounded_display(soc_pt):
    table, wb = soc_pt
    ws = wb["Data"]
    names = [c.value for c in ws[1]]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{get_column_letter(len(names))}{len(table.data) + 1}"
    column = {n: i + 1 for i, n in enumerate(names)}
    rows = list(ws.iter_rows(min_row=2))
    pct = [r[column["pct"] - 1] for r in rows if r[column["pct"] - 1].value is not None]
    assert all(c.number_format == "0.0##" for c in pct)
    assert any(c.value != round(c.value, 3) for c in pct)        # e.g. 66.666..., not rounded
    assert sorted(c.value for c in pct) == pytest.approx(sorted(table.data["pct"].dropna()))
    p = [r[column["p_value"] - 1] for r in rows if r[column["p_value"] - 1].value is not None]
    assert p and all(c.number_format == render.P_FORMAT for c in p)
    counts = [r[column["n_subjects"] - 1] for r in rows]
    assert all(c.data_type == "n" and c.number_format == "0" for c in counts)


def test_panes_frozen_beside_every_row_label_column(ctx, tmp_path):
    import pandas as pd

    from safety_reports.model import Column, DisplayTable

    columns = [Column("visit", "Visit", align="l"), Column("base", "Baseline", align="l"),
               Column("a", "Low", spanner="Placebo"), Column("b", "High", spanner="Placebo")]
    body = pd.DataFrame({"visit": ["Week 2", ""], "base": ["Low", "High"], "a": ["1 (25.0)", "3"],
                         "b": ["0.5", "-1.25"]})
    table = DisplayTable(name="t_x", title="Shift", columns=columns, body=body)
    path = tmp_path / "x.xlsx"
    render.to_xlsx(table, ctx, path, run_at=RUN_AT)
    ws = load_workbook(path)["Table"]
    assert ws.freeze_panes == "C7"
    assert [str(r) for r in ws.merged_cells.ranges] == ["C5:D5"]
    assert [c.value for c in ws[7]] == ["Week 2", "Low", "1 (25.0)", 0.5]
    assert [c.value for c in ws[8]] == [None, "High", 3, -1.25]
    assert ws.cell(8, 4).number_format == "0.00"
    assert ws.auto_filter.ref == "A6:D8"
    # not in the catalogue: no table number, and the program says so
    assert ws.cell(3, 1).value == "Study FIX01"
    assert ws.cell(ws.max_row, 1).value.startswith("Program: not in the report catalogue")
    assert "Data" not in load_workbook(path).sheetnames

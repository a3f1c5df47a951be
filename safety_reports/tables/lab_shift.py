"""Shift from the baseline normal-range category to each post-baseline visit."""

from safety_reports.entry import ReportAsset
from safety_reports.results import reads


def build(s) -> None:
    from safety_reports import shifts

    result = shifts.shift_table(s.results["results_lab_shift"], s.ctx)
    s.table(shifts.display_shift(result, s.ctx, "t_lab_shift", "Shift of laboratory normal-range category from "
                                 "baseline by visit", "normal-range"), result)


REPORT = ReportAsset(
    "lab_shift", 100, "Shift from baseline normal-range category to each post-baseline visit.", build,
    ("t_lab_shift",), results=reads("results_lab_shift"))

"""Shift of threshold-based lab categories from baseline by visit (pilot table 14-6.04)."""

from safety_reports.entry import ReportAsset
from safety_reports.results import reads


def build(s) -> None:
    from safety_reports import shifts

    result = shifts.shift_table(s.results["results_lab_thr_shift"], s.ctx)
    table = shifts.display_shift(result, s.ctx, "t_lab_thr_shift", "Shift of threshold-based laboratory category "
                                 "from baseline by visit", "threshold")
    low, high = s.cfg.threshold_low_factor, s.cfg.threshold_high_factor
    table.footnotes.insert(0, f"Threshold categories: low = value below {low:g} x LLN, high = value above "
                              f"{high:g} x ULN, otherwise normal (LLN / ULN: lower / upper limit of normal); "
                              "a result reported below a limit is categorised by that limit.")
    s.table(table, result)


REPORT = ReportAsset(
    "lab_thr_shift", 120, "Shift of threshold-based lab categories from baseline by visit (pilot 14-6.04).", build,
    ("t_lab_thr_shift",), results=reads("results_lab_thr_shift"))

"""Vital signs by visit and timepoint (pilot table 14-7.01) and the mean figures."""

from safety_reports.entry import ReportAsset
from safety_reports.results import reads


def build(s) -> None:
    from safety_reports import by_visit

    by_visit.build(s, by_visit.VITALS)


REPORT = ReportAsset(
    "vs_by_visit", 90, "Vital signs by visit, timepoint and arm with active-vs-control tests (pilot 14-7.01), and "
    "mean (+/- SE) figures.", build, ("t_vs_by_visit",), ("f_vs_mean_value", "f_vs_mean_change"),
    results=reads("results_vs_by_visit"), queried=("fct_vital_sign",))

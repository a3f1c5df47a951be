"""Lab values and change from baseline by visit (pilot table 14-6.01) and the mean figures."""

from safety_reports.entry import ReportAsset
from safety_reports.results import reads


def build(s) -> None:
    from safety_reports import by_visit

    by_visit.build(s, by_visit.LAB)


REPORT = ReportAsset(
    "lab_by_visit", 80, "Lab values and change from baseline by visit and arm with active-vs-control tests "
    "(pilot 14-6.01), and mean (+/- SE) figures.", build, ("t_lab_by_visit",),
    ("f_lab_mean_value", "f_lab_mean_change"), results=reads("results_lab_by_visit"), queried=("fct_lab_result",))

"""Lab values and change from baseline by visit (pilot table 14-6.01) and the mean figures."""

from safety_reports.entry import ReportAsset


def build(s) -> None:
    from safety_reports import by_visit

    by_visit.build(s, by_visit.LAB, "fct_lab_result", s.cfg.lab_test)


REPORT = ReportAsset(
    "lab_by_visit", 80, "Lab values and change from baseline by visit and arm with active-vs-control tests "
    "(pilot 14-6.01), and mean (+/- SE) figures.", build, ("t_lab_by_visit",),
    ("f_lab_mean_value", "f_lab_mean_change"), marts=("fct_lab_result",))

"""Vital signs by visit and timepoint (pilot table 14-7.01) and the mean figures."""

from safety_reports.entry import ReportAsset


def build(s) -> None:
    from safety_reports import by_visit

    by_visit.build(s, by_visit.VITALS, "fct_vital_sign", s.cfg.vs_test)


REPORT = ReportAsset(
    "vs_by_visit", 90, "Vital signs by visit, timepoint and arm with active-vs-control tests (pilot 14-7.01), and "
    "mean (+/- SE) figures.", build, ("t_vs_by_visit",), ("f_vs_mean_value", "f_vs_mean_change"),
    marts=("fct_vital_sign",))

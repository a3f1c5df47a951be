"""Liver-injury screen by arm and the eDISH plot."""

from safety_reports.entry import ReportAsset
from safety_reports.results import reads


def build(s) -> None:
    from safety_reports import liver

    result = liver.screen(s.results["results_liver_injury"], s.ctx)
    s.table(liver.display(result, s.ctx), result)
    s.figure(liver.edish(s.mart_columns("mart_liver_injury", liver.EDISH_COLUMNS), s.pop, s.ctx))


REPORT = ReportAsset(
    "liver_injury", 130, "Liver-injury screen by arm with Fisher's exact p-values, and the eDISH plot.", build,
    ("t_liver_injury",), ("f_edish",), results=reads("results_liver_injury"), queried=("mart_liver_injury",))

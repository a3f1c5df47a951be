"""Demographic and baseline characteristics (pilot table 14-2.01)."""

from safety_reports.entry import ReportAsset
from safety_reports.results import reads


def build(s) -> None:
    from safety_reports import demographics

    result = demographics.compute(s.results["results_demographics"], s.ctx)
    s.table(demographics.display(result, s.ctx), result)


REPORT = ReportAsset(
    "demographics", 10, "Demographic and baseline characteristics by arm and total, ANOVA / chi-square p-values "
    "(pilot 14-2.01).", build, ("t_demographics",), results=reads("results_demographics"))

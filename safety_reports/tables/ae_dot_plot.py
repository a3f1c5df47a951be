"""Incidence and risk difference of the most frequent preferred terms: table and dot plot."""

from safety_reports.entry import ReportAsset
from safety_reports.results import reads


def build(s) -> None:
    from safety_reports import adverse_events as aes

    result = aes.risk_differences(s.results["results_ae_risk_diff"], s.ctx)
    s.table(aes.display_risk_differences(result, s.ctx), result)
    s.figure(aes.dot_plot(result, s.ctx))


REPORT = ReportAsset(
    "ae_dot_plot", 70, "Incidence and risk difference (95% CI) of the most frequent preferred terms, table and dot "
    "plot.", build, ("t_ae_risk_diff",), ("f_ae_dot_plot",), results=reads("results_ae_risk_diff"))

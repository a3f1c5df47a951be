"""Adverse events of special interest: incidence of each configured category by arm, Fisher's exact p."""

from safety_reports.entry import ReportAsset
from safety_reports.results import reads


def build(s) -> None:
    from safety_reports import adverse_events as aes

    result = aes.special_interest(s.results["results_ae_aesi"], s.ctx)
    s.table(aes.display_special_interest(result, s.ctx), result)


REPORT = ReportAsset(
    "ae_aesi", 65, "Treatment-emergent adverse events of special interest by configured category and arm, with "
    "the definition (terms, onset window) of each category and Fisher's exact p-values.", build, ("t_ae_aesi",),
    results=reads("results_ae_aesi"))

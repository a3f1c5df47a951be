"""TEAE incidence by system organ class and preferred term (pilot table 14-5.01)."""

from safety_reports.entry import ReportAsset
from safety_reports.results import reads


def build(s) -> None:
    from safety_reports import adverse_events as aes

    result = aes.soc_pt(s.results["results_ae_soc_pt"], s.ctx)
    s.table(aes.display_soc_pt(result, s.ctx, "t_ae_soc_pt", "Treatment-emergent adverse events by system organ "
                               "class and preferred term", "TEAE"), result)


REPORT = ReportAsset(
    "ae_soc_pt", 30, "TEAE incidence by system organ class and preferred term with Fisher's exact p-values "
    "(pilot 14-5.01).", build, ("t_ae_soc_pt",), results=reads("results_ae_soc_pt"))

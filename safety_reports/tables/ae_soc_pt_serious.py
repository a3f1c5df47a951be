"""Serious TEAE incidence by system organ class and preferred term (pilot table 14-5.02)."""

from safety_reports.entry import ReportAsset
from safety_reports.results import reads


def build(s) -> None:
    from safety_reports import adverse_events as aes

    result = aes.soc_pt(s.results["results_ae_soc_pt_serious"], s.ctx)
    s.table(aes.display_soc_pt(result, s.ctx, "t_ae_soc_pt_serious", "Serious treatment-emergent adverse events by "
                               "system organ class and preferred term", "serious TEAE"), result)


REPORT = ReportAsset(
    "ae_soc_pt_serious", 40, "Serious TEAE incidence by system organ class and preferred term (pilot 14-5.02).",
    build, ("t_ae_soc_pt_serious",), results=reads("results_ae_soc_pt_serious"))

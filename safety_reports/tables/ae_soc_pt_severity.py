"""TEAE by system organ class, preferred term and worst severity."""

from safety_reports.entry import ReportAsset
from safety_reports.results import reads


def build(s) -> None:
    from safety_reports import adverse_events as aes

    result = aes.soc_pt_severity(s.results["results_ae_soc_pt_severity"], s.ctx)
    s.table(aes.display_severity(result, s.ctx), result)


REPORT = ReportAsset(
    "ae_soc_pt_severity", 50, "TEAE by system organ class, preferred term and worst severity.", build,
    ("t_ae_soc_pt_severity",), results=reads("results_ae_soc_pt_severity"))

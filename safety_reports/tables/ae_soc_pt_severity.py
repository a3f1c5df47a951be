"""TEAE by system organ class, preferred term and worst severity."""

from safety_reports.entry import ReportAsset
from safety_reports.results import reads


def build(s) -> None:
    from safety_reports import adverse_events as aes

    result = aes.soc_pt_severity(aes.teae_events(s.marts["fct_adverse_event"], s.pop), s.ctx,
                                 s.results["results_ae_soc_pt"])
    s.table(aes.display_severity(result, s.ctx), result)


REPORT = ReportAsset(
    "ae_soc_pt_severity", 50, "TEAE by system organ class, preferred term and worst severity.", build,
    ("t_ae_soc_pt_severity",), marts=("fct_adverse_event",), results=reads("results_ae_soc_pt"))

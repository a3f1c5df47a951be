"""Overview of treatment-emergent adverse events by arm."""

from safety_reports.entry import ReportAsset
from safety_reports.results import reads


def build(s) -> None:
    from safety_reports import adverse_events as aes

    result = aes.overview(s.results["results_ae_overview"], s.ctx)
    s.table(aes.display_overview(result, s.ctx), result)


REPORT = ReportAsset(
    "ae_overview", 20, "Subjects and events with any, serious, severe, related TEAE, TEAE leading to death or "
    "discontinuation, by arm.", build, ("t_ae_overview",), results=reads("results_ae_overview"))

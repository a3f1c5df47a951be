"""TEAE starting within configured windows after each dose, overall and by SOC / PT."""

from safety_reports.entry import ReportAsset
from safety_reports.results import reads


def build(s) -> None:
    from safety_reports import adverse_events as aes

    result = aes.by_dose_window(s.results["results_ae_dose_window"], s.ctx)
    s.table(aes.display_dose_window(result, s.ctx), result)


REPORT = ReportAsset(
    "ae_dose_window", 60, "TEAE starting within configured windows after each dose, by arm, overall and by SOC / "
    "PT, with Fisher's exact p-values.", build, ("t_ae_dose_window",), results=reads("results_ae_dose_window"))

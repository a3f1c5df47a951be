"""Low / normal / high lab values during treatment (pilot table 14-6.02)."""

from safety_reports.entry import ReportAsset
from safety_reports.results import reads


def build(s) -> None:
    from safety_reports import shifts

    result = shifts.frequency(s.results["results_lab_nr_freq"], s.ctx)
    s.table(shifts.display_frequency(result, s.ctx), result)


REPORT = ReportAsset(
    "lab_nr_freq", 110, "Frequency of low / normal / high lab values during treatment with Fisher's exact test "
    "(pilot 14-6.02).", build, ("t_lab_nr_freq",), results=reads("results_lab_nr_freq"))

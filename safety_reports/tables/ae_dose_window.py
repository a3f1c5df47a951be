"""TEAE starting within configured windows after each dose."""

from safety_reports.entry import ReportAsset


def build(s) -> None:
    from safety_reports import adverse_events as aes

    result = aes.by_dose_window(aes.teae_events(s.marts["fct_adverse_event"], s.pop), s.ctx)
    s.table(aes.display_dose_window(result, s.ctx), result)


REPORT = ReportAsset(
    "ae_dose_window", 60, "TEAE starting within configured windows after each dose, by arm.", build,
    ("t_ae_dose_window",), marts=("fct_adverse_event",))

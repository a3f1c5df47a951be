"""Liver-injury screen by arm and the eDISH plot."""

from safety_reports.entry import ReportAsset


def build(s) -> None:
    from safety_reports import liver

    result = liver.screen(s.marts["mart_liver_injury"], s.pop, s.ctx)
    s.table(liver.display(result, s.ctx), result)
    s.figure(liver.edish(s.marts["mart_liver_injury"], s.pop, s.ctx))


REPORT = ReportAsset(
    "liver_injury", 130, "Liver-injury screen by arm and the eDISH plot.", build, ("t_liver_injury",), ("f_edish",),
    marts=("mart_liver_injury",))

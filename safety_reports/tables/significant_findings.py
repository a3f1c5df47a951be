"""Plain-language list of lab and vital-sign parameters that differ from control."""

from safety_reports.entry import ReportAsset


def build(s) -> None:
    from safety_reports import findings
    from safety_reports.config import describe_tests

    frames = {"LB": s.reports["t_lab_by_visit"], "VS": s.reports["t_vs_by_visit"]}
    result = findings.compute(frames, s.ctx)
    tests = {"LB": describe_tests(s.cfg, "LB"), "VS": describe_tests(s.cfg, "VS")}
    s.table(findings.display(result, s.ctx, tests), result)


REPORT = ReportAsset(
    "significant_findings", 140, "Plain-language list of lab and vital-sign parameters differing from control at the "
    "study alpha.", build, ("t_significant_findings",), after=("lab_by_visit", "vs_by_visit"))

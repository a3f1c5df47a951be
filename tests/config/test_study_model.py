"""The study configuration is one typed model, validated once: the pilot validates, and a wrong
type, an unknown key, a missing studyid and a missing file each fail with a message naming the
file, the key path and the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from safety_warehouse.study_model import StudyConfig, StudyConfigError, load_study

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PILOT = PROJECT_ROOT / "studies" / "cdiscpilot01"


@pytest.fixture()
def studies(tmp_path) -> Path:
    """A studies folder holding a copy of the pilot's configuration as study `x`."""
    root = tmp_path / "studies"
    (root / "x").mkdir(parents=True)
    text = (PILOT / "study.yml").read_text().replace("study: cdiscpilot01", "study: x")
    (root / "x" / "study.yml").write_text(text)
    shutil.copy(PILOT / "quality.yml", root / "x" / "quality.yml")
    return root


def edit(studies: Path, old: str, new: str, file: str = "study.yml") -> None:
    path = studies / "x" / file
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def error(studies: Path) -> str:
    with pytest.raises(StudyConfigError) as info:
        load_study("x", studies)
    return str(info.value)


def test_pilot_configuration_validates():
    cfg = load_study("cdiscpilot01")
    assert isinstance(cfg, StudyConfig)
    assert (cfg.study, cfg.studyid) == ("cdiscpilot01", "CDISCPILOT01")
    assert [a.arm for a in cfg.arms if a.control] == ["Placebo"]
    assert [a.order for a in cfg.arms] == [1, 2, 3]
    assert cfg.settings.lab_threshold_low_factor == 0.5 and cfg.settings.lab_threshold_high_factor == 1.5
    assert cfg.settings.analysis_arm_variable == "ARM" and cfg.ae_rules.start_date_imputation == "day"
    assert len(cfg.visit_schedule) == 18 and len(cfg.analysis_visits) == 20 and len(cfg.aesi) == 9
    assert cfg.quality.terminology["AEREL"].values == ["NONE", "REMOTE", "POSSIBLE", "PROBABLE"]
    assert cfg.quality.plausible_ranges["lb"]["ALT"].high == 10000
    assert cfg.quality.max_findings_per_rule == 20000
    assert len(cfg.config_sha256) == 64


def test_wrong_type_names_file_key_path_and_value(studies):
    edit(studies, "order: 3, control: false, label: Xan High", "order: three, control: false, label: Xan High")
    assert error(studies) == "studies/x/study.yml: arms[2].order: expected an integer, got 'three'"


def test_wrong_choice_lists_the_allowed_values(studies):
    edit(studies, "lab_test: ancova", "lab_test: t-test")
    msg = error(studies)
    assert msg.startswith("studies/x/study.yml: settings.lab_test: expected one of 'ancova', 'welch' or 'wilcoxon'")
    assert "got 't-test'" in msg


def test_unknown_key_is_an_error(studies):
    edit(studies, "  lab_threshold_low_factor: 0.5", "  lab_treshold_low_factor: 0.5")
    msg = error(studies)
    assert msg.startswith("studies/x/study.yml: settings.lab_treshold_low_factor: unknown key")
    assert "lab_threshold_low_factor" in msg  # the known keys are listed


def test_unknown_section_is_an_error(studies):
    edit(studies, "ae_rules:\n", "ae_rule:\n")
    assert error(studies).startswith("studies/x/study.yml: ae_rule: unknown key")


def test_unknown_key_in_quality_yml_names_that_file(studies):
    edit(studies, "ALT:    {unit: U/L,      low: 0,", "ALT:    {units: U/L,     low: 0,", "quality.yml")
    assert error(studies).startswith("studies/x/quality.yml: plausible_ranges.lb.ALT.units: unknown key")


def test_wrong_type_in_quality_yml(studies):
    edit(studies, "max_findings_per_rule: 20000", "max_findings_per_rule: lots", "quality.yml")
    assert error(studies) == "studies/x/quality.yml: max_findings_per_rule: expected an integer, got 'lots'"


def test_missing_studyid_is_an_error(studies):
    edit(studies, "studyid: CDISCPILOT01", "")
    assert error(studies) == "studies/x/study.yml: studyid: required key is missing"


def test_missing_study_yml_is_an_error_naming_the_path(studies):
    (studies / "x" / "study.yml").unlink()
    msg = error(studies)
    assert msg.startswith("studies/x/study.yml: no configuration file for study x")
    assert str(studies / "x" / "study.yml") in msg


def test_several_problems_are_reported_together(studies):
    edit(studies, "alpha: 0.05", "alpha: high")
    edit(studies, "transaminase_factor: 3", "transaminase_factr: 3")
    assert error(studies).splitlines() == [
        "studies/x/study.yml: settings.alpha: expected a number, got 'high'",
        "studies/x/study.yml: liver_injury.transaminase_factr: unknown key (known keys: alt_testcd, ast_testcd, "
        "bili_testcd, transaminase_factor, bilirubin_factor)",
    ]


def test_exactly_one_control_arm(studies):
    edit(studies, "order: 2, control: false", "order: 2, control: true")
    assert error(studies) == "studies/x/study.yml: arms: exactly one arm must be `control: true`, found 2"


def test_study_must_match_its_folder(studies):
    edit(studies, "study: x", "study: y")
    assert "study: 'y' does not match its folder 'x'" in error(studies)


def test_a_minimal_configuration_gets_every_default():
    from safety_warehouse.study_model import validate_study

    cfg = validate_study({"study": "m", "studyid": "M01"})
    assert cfg.title == "m"
    assert cfg.settings.eot_avisit == "End of Treatment" and cfg.settings.eot_avisitn == 99
    assert cfg.liver_injury.transaminase_factor == 3 and cfg.liver_injury.alt_testcd == "ALT"
    assert [(w.label, w.hours) for w in cfg.ae_dose_windows] == [("Within 24 hours", 24)]
    assert cfg.arms == [] and cfg.quality.max_findings_per_rule == 20000


def test_a_value_comparison_needs_a_test_of_values(studies):
    edit(studies, "  alpha: 0.05", "  lab_compare: value\n  alpha: 0.05")
    assert "lab_compare: value is compared with welch or wilcoxon, not ancova" in error(studies)


def test_comparisons_override_the_domain_setting_per_parameter(studies):
    from safety_reports.config import ReportConfig

    path = studies / "x" / "study.yml"
    path.write_text(path.read_text() + "\ncomparisons:\n  - {domain: lb, paramcd: plat, compare: Value, test: welch}\n")
    cfg = ReportConfig.from_study(load_study("x", studies))
    assert cfg.comparison("LB", "PLAT") == ("value", "welch")
    assert cfg.comparison("LB", "ALT") == (cfg.lab_compare, cfg.lab_test) == ("change", "ancova")
    path.write_text(path.read_text().replace("compare: Value, test: welch", "compare: value, test: ancova"))
    assert "comparisons[0]: compare: value is compared with welch or wilcoxon, not ancova" in error(studies)


def test_an_aesi_window_is_in_hours_and_window_days_means_days_of_24_hours(studies):
    cfg = load_study("x", studies)
    windows = {(a.term, a.window_hours) for a in cfg.aesi}
    assert ("NAUSEA", 336.0) in windows and ("SYNCOPE", None) in windows  # window_days: 14 and null
    edit(studies, "term: NAUSEA,              window_days: 14", "term: NAUSEA, window_hours: 18")
    assert ("NAUSEA", 18.0) in {(a.term, a.window_hours) for a in load_study("x", studies).aesi}
    edit(studies, "term: NAUSEA, window_hours: 18", "term: NAUSEA, window_hours: 18, window_days: 1")
    assert "give window_hours or window_days, not both" in error(studies)


def test_an_aesi_window_must_be_positive(studies):
    edit(studies, "term: NAUSEA,              window_days: 14", "term: NAUSEA, window_days: 0")
    assert "window_days must be a positive number of days" in error(studies)

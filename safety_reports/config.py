"""What the safety tables need to know about a study, built from its validated configuration.

Arms (names, display order, labels, the control arm), the significance level, the test used for
by-visit comparisons, the AE time-after-dose windows, the threshold and liver-injury factors and
the presentation choices of the `reporting:` section all come from the typed study model
(safety_warehouse.study_model), which holds every default: this module has none of its own, so the
tables state exactly the values dbt was given in raw.cfg_*.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safety_warehouse.study_model import StudyConfig, StudyConfigError, validate_study

TESTS = {
    "ancova": "ANCOVA of change from baseline with arm and baseline value (active vs control)",
    "welch": "Welch's two-sample t-test of change from baseline (active vs control)",
    "wilcoxon": "Wilcoxon rank-sum (Mann-Whitney U) test of change from baseline (active vs control)",
}
# the same tests of the value itself at the visit (settings.<domain>_compare: value, or comparisons:)
VALUE_TESTS = {
    "welch": "Welch's two-sample t-test of the value at the visit (active vs control)",
    "wilcoxon": "Wilcoxon rank-sum (Mann-Whitney U) test of the value at the visit (active vs control)",
}


def describe_tests(cfg: "ReportConfig", domain: str) -> str:
    """The by-visit test of a domain in words: its default, and each parameter that overrides it."""
    compare, test = (cfg.lab_compare, cfg.lab_test) if domain == "LB" else (cfg.vs_compare, cfg.vs_test)
    text = (VALUE_TESTS if compare == "value" else TESTS)[test]
    overrides = [f"{paramcd}: {(VALUE_TESTS if c == 'value' else TESTS)[t]}"
                 for (d, paramcd), (c, t) in sorted(cfg.comparisons.items()) if d == domain]
    return text + ("; " + "; ".join(overrides) if overrides else "")


class ReportConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Arm:
    name: str      # value of trt01a in the marts
    label: str     # short display label
    order: int
    control: bool


@dataclass(frozen=True)
class Arms:
    """Analysis arms in display order; exactly one is the control arm."""

    arms: tuple[Arm, ...]

    @classmethod
    def from_config(cls, cfg: "StudyConfig | dict[str, Any]") -> "Arms":
        study = _study(cfg)
        if not study.arms:
            raise ReportConfigError(f"study {study.study}: no `arms:` section in study.yml")
        # the model has checked that exactly one arm is the control and filled order and label
        return cls(tuple(sorted((Arm(name=a.arm, label=a.label, order=a.order, control=a.control)
                                 for a in study.arms), key=lambda a: a.order)))

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.arms]

    @property
    def control(self) -> str:
        return next(a.name for a in self.arms if a.control)

    @property
    def actives(self) -> list[str]:
        return [a.name for a in self.arms if not a.control]

    @property
    def last(self) -> str:
        """The last arm in display order (the highest dose in a dose-ranging study)."""
        return self.arms[-1].name

    def order_of(self, name: str) -> int:
        for a in self.arms:
            if a.name == name:
                return a.order
        raise KeyError(name)

    def label_of(self, name: str) -> str:
        for a in self.arms:
            if a.name == name:
                return a.label
        return name


@dataclass(frozen=True)
class DoseWindow:
    label: str
    hours: float


@dataclass(frozen=True)
class ReportConfig:
    study: str
    studyid: str
    title: str
    arms: Arms
    alpha: float
    findings_p: str
    lab_test: str
    vs_test: str
    lab_compare: str
    vs_compare: str
    comparisons: dict[tuple[str, str], tuple[str, str]]  # (domain, paramcd) -> (compare, test) overrides
    population_flag: str
    population_label: str
    total_label: str
    dose_windows: tuple[DoseWindow, ...]
    transaminase_factor: float
    bilirubin_factor: float
    alt_testcd: str
    ast_testcd: str
    bili_testcd: str
    eot_avisit: str
    threshold_low_factor: float
    threshold_high_factor: float
    # AE discontinuation: AEACN value recorded on the AE, else the DS reason on dim_subject.
    ae_discontinuation_action: str
    ae_discontinuation_reason: str
    ae_plot_min_pct: float
    ae_plot_max_terms: int
    ae_ci_method: str
    severe_asevn: int | None             # highest configured severity grade (None: no ae_severity)
    severity_labels: dict[int, str]      # asevn -> label
    nrind_order: dict[str, int]          # code -> display rank
    nrind_labels: dict[str, str]         # code -> label

    def comparison(self, domain: str, paramcd: str) -> tuple[str, str]:
        """(compare, test) of one parameter's by-visit test: its `comparisons:` entry, else the
        domain's settings (lab_compare / lab_test, vs_compare / vs_test)."""
        default = (self.lab_compare, self.lab_test) if domain == "LB" else (self.vs_compare, self.vs_test)
        return self.comparisons.get((domain, str(paramcd).upper()), default)

    @classmethod
    def from_config(cls, cfg: "StudyConfig | dict[str, Any]") -> "ReportConfig":
        """From the validated study model (a plain mapping is validated first)."""
        return cls.from_study(_study(cfg))

    @classmethod
    def from_study(cls, study: StudyConfig) -> "ReportConfig":
        settings, reporting, liver = study.settings, study.reporting, study.liver_injury
        # display order: low, normal, high, then anything else by the configured rank
        nrind_labels = {c.code: c.nrind.title() for c in study.nrind_codes}
        rank = {c.code: c.rank for c in study.nrind_codes}
        by_name = {c.nrind.upper(): c.code for c in study.nrind_codes}
        display = [by_name[k] for k in ("LOW", "NORMAL", "HIGH") if k in by_name]
        rest = sorted((c for c in rank if c not in display), key=lambda c: rank[c])
        severity = {s.asevn: s.aesev.title() for s in study.ae_severity}
        return cls(
            study=study.study,
            studyid=study.studyid,
            title=study.title,
            arms=Arms.from_config(study),
            alpha=settings.alpha,
            findings_p=settings.findings_p,
            lab_test=settings.lab_test,
            vs_test=settings.vs_test,
            lab_compare=settings.lab_compare,
            vs_compare=settings.vs_compare,
            comparisons={(x.domain, x.paramcd): (x.compare, x.test) for x in study.comparisons},
            population_flag=reporting.population_flag,
            population_label=reporting.population_label,
            total_label=reporting.total_label,
            dose_windows=tuple(DoseWindow(label=w.label, hours=w.hours) for w in study.ae_dose_windows),
            transaminase_factor=liver.transaminase_factor,
            bilirubin_factor=liver.bilirubin_factor,
            alt_testcd=liver.alt_testcd,
            ast_testcd=liver.ast_testcd,
            bili_testcd=liver.bili_testcd,
            eot_avisit=settings.eot_avisit,
            threshold_low_factor=settings.lab_threshold_low_factor,
            threshold_high_factor=settings.lab_threshold_high_factor,
            ae_discontinuation_action=reporting.ae_discontinuation_action,
            ae_discontinuation_reason=reporting.ae_discontinuation_reason,
            ae_plot_min_pct=reporting.ae_plot_min_pct,
            ae_plot_max_terms=reporting.ae_plot_max_terms,
            ae_ci_method=reporting.ae_ci_method,
            severe_asevn=max(severity) if severity else None,
            severity_labels=severity,
            nrind_order={c: i for i, c in enumerate(display + rest)},
            nrind_labels=nrind_labels,
        )

    def category_rank(self, code: Any) -> tuple[int, str]:
        """Sort key for a reference-range / threshold category code (missing last)."""
        if code is None or (isinstance(code, float) and code != code):
            return (10_000, "")
        c = str(code)
        return (self.nrind_order.get(c, 1_000), c)

    def category_label(self, code: Any) -> str:
        if code is None or (isinstance(code, float) and code != code):
            return "Missing"
        return self.nrind_labels.get(str(code), str(code))


def _study(cfg: "StudyConfig | dict[str, Any]") -> StudyConfig:
    if isinstance(cfg, StudyConfig):
        return cfg
    try:
        return validate_study(dict(cfg), f"study {cfg.get('study')} configuration")
    except StudyConfigError as exc:
        raise ReportConfigError(str(exc)) from exc

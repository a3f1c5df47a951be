"""What the safety tables need to know about a study, read from its study.yml.

Arms (names, display order, labels, the control arm), the significance level, the test used for
by-visit comparisons, the AE time-after-dose windows and the liver-injury factors all come from
the configuration; the defaults here are generic presentation choices, never study facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TESTS = {
    "ancova": "ANCOVA of change from baseline with arm and baseline value (active vs control)",
    "welch": "Welch's two-sample t-test of change from baseline (active vs control)",
    "wilcoxon": "Wilcoxon rank-sum (Mann-Whitney U) test of change from baseline (active vs control)",
}


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
    def from_config(cls, cfg: dict[str, Any]) -> "Arms":
        items = cfg.get("arms") or []
        if not items:
            raise ReportConfigError(f"study {cfg.get('study')}: no `arms:` section in study.yml")
        arms = tuple(sorted(
            (Arm(name=str(a["arm"]), label=str(a.get("label") or a["arm"]), order=int(a.get("order", i + 1)),
                 control=bool(a.get("control", False))) for i, a in enumerate(items)),
            key=lambda a: a.order))
        controls = [a for a in arms if a.control]
        if len(controls) != 1:
            raise ReportConfigError(
                f"study {cfg.get('study')}: exactly one arm must be `control: true`, found {len(controls)}")
        return cls(arms)

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
    lab_test: str
    vs_test: str
    population_flag: str = "saffl"
    population_label: str = "Safety population"
    total_label: str = "Total"
    dose_windows: tuple[DoseWindow, ...] = (DoseWindow("Within 24 hours", 24.0),)
    transaminase_factor: float = 3.0
    bilirubin_factor: float = 2.0
    alt_testcd: str = "ALT"
    ast_testcd: str = "AST"
    bili_testcd: str = "BILI"
    eot_avisit: str | None = None
    threshold_low_factor: float | None = None
    threshold_high_factor: float | None = None
    # AE discontinuation: AEACN value recorded on the AE, else the DS reason on dim_subject.
    ae_discontinuation_action: str = "DRUG WITHDRAWN"
    ae_discontinuation_reason: str = "ADVERSE EVENT"
    ae_plot_min_pct: float = 5.0
    ae_plot_max_terms: int = 25
    ae_ci_method: str = "newcomb"
    severe_asevn: int = 3                                       # highest configured severity grade
    severity_labels: dict[int, str] = field(default_factory=dict)  # asevn -> label
    nrind_order: dict[str, int] = field(default_factory=dict)   # code -> display rank
    nrind_labels: dict[str, str] = field(default_factory=dict)  # code -> label

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> "ReportConfig":
        settings = cfg.get("settings") or {}
        reporting = cfg.get("reporting") or {}
        liver = cfg.get("liver_injury") or {}
        study = str(cfg["study"])
        tests = {}
        for key in ("lab_test", "vs_test"):
            value = str(settings.get(key, "ancova")).lower()
            if value not in TESTS:
                raise ReportConfigError(f"study {study}: settings.{key} must be one of {sorted(TESTS)}, got {value!r}")
            tests[key] = value
        windows = tuple(
            DoseWindow(label=str(w.get("label") or f"Within {w['hours']} hours"), hours=float(w["hours"]))
            for w in (cfg.get("ae_dose_windows") or [])) or cls.dose_windows
        codes = cfg.get("nrind_codes") or []
        # display order: low, normal, high, then anything else by the configured rank
        nrind_order, nrind_labels = {}, {}
        for c in codes:
            nrind_labels[str(c["code"])] = str(c["nrind"]).title()
            nrind_order[str(c["code"])] = int(c.get("rank", 99))
        by_name = {str(c["nrind"]).upper(): str(c["code"]) for c in codes}
        display = [by_name[k] for k in ("LOW", "NORMAL", "HIGH") if k in by_name]
        rest = sorted((c for c in nrind_order if c not in display), key=lambda c: nrind_order[c])
        nrind_order = {c: i for i, c in enumerate(display + rest)}
        kwargs: dict[str, Any] = {}
        severity = {int(s["asevn"]): str(s["aesev"]).title() for s in (cfg.get("ae_severity") or [])}
        if severity:
            kwargs["severity_labels"] = severity
            kwargs["severe_asevn"] = max(severity)
        for key in ("population_flag", "population_label", "ae_discontinuation_action",
                    "ae_discontinuation_reason", "ae_ci_method"):
            if key in reporting:
                kwargs[key] = str(reporting[key])
        for key in ("ae_plot_min_pct",):
            if key in reporting:
                kwargs[key] = float(reporting[key])
        if "ae_plot_max_terms" in reporting:
            kwargs["ae_plot_max_terms"] = int(reporting["ae_plot_max_terms"])
        for key, src in (("transaminase_factor", "transaminase_factor"), ("bilirubin_factor", "bilirubin_factor")):
            if liver.get(src) is not None:
                kwargs[key] = float(liver[src])
        for key in ("alt_testcd", "ast_testcd", "bili_testcd"):
            if liver.get(key):
                kwargs[key] = str(liver[key])
        return cls(
            study=study,
            studyid=str(cfg.get("studyid") or study),
            title=str(cfg.get("title") or study),
            arms=Arms.from_config(cfg),
            alpha=float(settings.get("alpha", 0.05)),
            lab_test=tests["lab_test"],
            vs_test=tests["vs_test"],
            dose_windows=windows,
            eot_avisit=settings.get("eot_avisit"),
            threshold_low_factor=_float_or_none(settings.get("lab_threshold_low_factor")),
            threshold_high_factor=_float_or_none(settings.get("lab_threshold_high_factor")),
            nrind_order=nrind_order,
            nrind_labels=nrind_labels,
            **kwargs,
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


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)

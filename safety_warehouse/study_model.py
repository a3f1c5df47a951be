"""The typed model of a study's configuration: `studies/<study>/study.yml` and its `quality.yml`.

Every consumer reads the same validated object: the ingestion asset publishes it (defaults filled
in) as `raw.cfg_<section>` for dbt, the safety tables build their settings from it and the quality
rules take their terminology and ranges from it. Defaults live here and nowhere else.

`load_study(name)` reads and validates both files once; a problem is a `StudyConfigError` naming
the file, the key path and what is wrong, e.g.

    studies/x/study.yml: arms[2].armcd: expected text, got 2
    studies/x/study.yml: settings.alpah: unknown key (known keys: alpha, analysis_arm_variable, ...)
    studies/x/study.yml: studyid: required key is missing

Unknown keys are errors, so a misspelt key cannot silently fall back to a default.
`StudyConfig.config_sha256` is the canonical hash of the validated values (comments, key order and
spelling of numbers do not change it); it is recorded with the published configuration and is part
of the data snapshot stamped on every output.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from safety_warehouse import paths


class StudyConfigError(Exception):
    """A study's configuration cannot be used; the message names the file and the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


StatTest = Literal["ancova", "welch", "wilcoxon"]
DateImputation = Literal["none", "day", "day_month"]


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


# --------------------------------------------------------------------------- study.yml sections

class Settings(_Section):
    alpha: float = Field(0.05, gt=0, lt=1)
    # which p-value flags a lab / vital-sign difference in the by-visit tables and the significant
    # findings: the raw p, or the Benjamini-Hochberg FDR-adjusted p within each parameter family
    # (domain x category, e.g. LB HEMATOLOGY); both are always reported
    findings_p: Literal["raw", "fdr"] = "raw"
    analysis_arm_variable: Literal["ARM", "ACTARM"] = "ARM"
    first_dose_visit: str | None = None  # absent: the first EX start is the first dose
    lab_test: StatTest = "ancova"
    vs_test: StatTest = "ancova"
    # what the by-visit test compares between arms at each post-baseline visit: the change from
    # baseline (ANCOVA, Welch or Wilcoxon) or the value itself (Welch or Wilcoxon); a parameter can
    # override both in `comparisons:`
    lab_compare: Literal["change", "value"] = "change"
    vs_compare: Literal["change", "value"] = "change"
    lab_threshold_low_factor: float = Field(0.5, gt=0)
    lab_threshold_high_factor: float = Field(1.5, gt=0)
    eot_avisit: str = "End of Treatment"
    eot_avisitn: int = 99
    # the worst on-treatment lab record (fct_lab_result.anl_worst_ontrt_fl, table 14-6.02): searched among
    # analysis visits avisitn from..to (absent: open), largest max(uln x ULN - AVAL, AVAL - lln x LLN)
    lab_worst_ontrt_avisitn_from: int | None = None
    lab_worst_ontrt_avisitn_to: int | None = None
    lab_worst_ontrt_uln_factor: float | None = Field(None, gt=0)  # absent: lab_threshold_high_factor
    lab_worst_ontrt_lln_factor: float | None = Field(None, gt=0)  # absent: lab_threshold_low_factor

    @model_validator(mode="after")
    def _worst_factors(self) -> "Settings":
        if self.lab_worst_ontrt_uln_factor is None:
            object.__setattr__(self, "lab_worst_ontrt_uln_factor", self.lab_threshold_high_factor)
        if self.lab_worst_ontrt_lln_factor is None:
            object.__setattr__(self, "lab_worst_ontrt_lln_factor", self.lab_threshold_low_factor)
        return self

    @model_validator(mode="after")
    def _value_tests(self) -> "Settings":
        for domain in ("lab", "vs"):
            if getattr(self, f"{domain}_compare") == "value" and getattr(self, f"{domain}_test") == "ancova":
                raise ValueError(f"{domain}_compare: value is compared with welch or wilcoxon, not ancova "
                                 f"(set {domain}_test)")
        return self

    _arm_variable = field_validator("analysis_arm_variable", mode="before")(_upper)
    _tests = field_validator("lab_test", "vs_test", mode="before")(_lower)
    _compares = field_validator("lab_compare", "vs_compare", mode="before")(_lower)


class Comparison(_Section):
    """The by-visit comparison of one parameter, overriding settings.<domain>_compare / _test."""

    domain: Literal["LB", "VS"]
    paramcd: str
    compare: Literal["change", "value"]
    test: StatTest

    @model_validator(mode="after")
    def _value_test(self) -> "Comparison":
        if self.compare == "value" and self.test == "ancova":
            raise ValueError("compare: value is compared with welch or wilcoxon, not ancova")
        return self

    _domain = field_validator("domain", "paramcd", mode="before")(_upper)
    _lowered = field_validator("compare", "test", mode="before")(_lower)


class Arm(_Section):
    arm: str
    armcd: str | None = None
    order: int | None = None  # filled with the position in the list
    control: bool = False
    label: str | None = None  # filled with the arm

    @model_validator(mode="after")
    def _label(self) -> "Arm":
        if self.label is None:
            object.__setattr__(self, "label", self.arm)
        return self


class NotRandomised(_Section):
    armcd: str


class SubjectRules(_Section):
    ds_disposition_category: str | None = None
    ds_completed_decod: str | None = None
    height_testcd: str | None = None
    weight_testcd: str | None = None
    height_visitnum: float | None = None  # heightbl only from this VISITNUM; absent: the baseline rule
    weight_visitnum: float | None = None  # weightbl only from this VISITNUM, no fall-back; absent: baseline rule
    body_decimals: int | None = Field(None, ge=0)  # heightbl, weightbl, bmibl rounded; absent: not rounded


class RaceGroup(_Section):
    """Race (Origin): the first rule by priority whose given conditions all match DM.RACE / DM.ETHNIC."""

    racegr1: str
    racegr1n: int
    priority: int
    race: str | None = None
    ethnic: str | None = None


class BmiGroup(_Section):
    bmigr1: str
    bmigr1n: int
    bmi_from: float | None = None  # inclusive; absent: open
    bmi_below: float | None = None  # exclusive; absent: open


class AgeGroup(_Section):
    agegr1: str
    agegr1n: int
    age_min: float | None = None
    age_max: float | None = None


class PlannedVisit(_Section):
    visitnum: float
    visit: str
    visitdy: int | None = None


class AeRules(_Section):
    start_date_imputation: DateImputation = "none"
    end_date_imputation: DateImputation = "none"
    teae_max_days_after_last_dose: int | None = Field(None, ge=0)

    _imputation = field_validator("start_date_imputation", "end_date_imputation", mode="before")(_lower)


class AeSeverity(_Section):
    aesev: str
    asevn: int


class AeRelated(_Section):
    aerel: str


class Aesi(_Section):
    """A term (or LIKE pattern) of a category of special interest; with a window, only events whose
    onset is 0 to less than `window_hours` after the start of the most recent dose, the rule of the
    dose-window table. `window_days: N` may be written instead and means N x 24 hours."""
    aesi_cat: str
    match: Literal["pt", "pattern"]
    term: str
    window_hours: float | None = Field(None, gt=0)

    _match = field_validator("match", mode="before")(_lower)

    @model_validator(mode="before")
    @classmethod
    def _days_to_hours(cls, data):
        if isinstance(data, dict) and "window_days" in data:
            data = dict(data)
            days = data.pop("window_days")
            if data.get("window_hours") is not None and days is not None:
                raise ValueError("give window_hours or window_days, not both")
            if days is not None:
                if isinstance(days, bool) or not isinstance(days, (int, float)) or days <= 0:
                    raise ValueError(f"window_days must be a positive number of days, not {days!r}")
                data["window_hours"] = 24.0 * days
        return data


class AnalysisVisit(_Section):
    domain: Literal["LB", "VS"]
    visitnum: float
    avisit: str
    avisitn: int
    eot_candidate: bool = False

    _domain = field_validator("domain", mode="before")(_upper)


class LabSummary(_Section):
    parcat1: str
    requires_unit: bool = False


class VsSummary(_Section):
    paramcd: str


class NrindCode(_Section):
    nrind: str
    code: str
    rank: int


class DerivedParam(_Section):
    paramcd: str
    param: str | None = None
    parcat1: str | None = None
    avalu: str | None = None
    numerator: str
    denominator: str
    numerator_total: str | None = None
    numerator_subtract: str | None = None  # space-separated test codes


class LiverInjury(_Section):
    alt_testcd: str = "ALT"
    ast_testcd: str = "AST"
    bili_testcd: str = "BILI"
    transaminase_factor: float = Field(3.0, gt=0)
    bilirubin_factor: float = Field(2.0, gt=0)


class DoseWindow(_Section):
    label: str | None = None  # filled with "Within <hours> hours"
    hours: float = Field(gt=0)

    @model_validator(mode="after")
    def _label(self) -> "DoseWindow":
        if self.label is None:
            object.__setattr__(self, "label", f"Within {self.hours:g} hours")
        return self


class Reporting(_Section):
    population_flag: str = "saffl"
    population_label: str = "Safety population"
    total_label: str = "Total"
    ae_discontinuation_action: str = "DRUG WITHDRAWN"  # AEACN of an AE leading to discontinuation
    ae_discontinuation_reason: str = "ADVERSE EVENT"   # else the DS reason on dim_subject
    ae_plot_min_pct: float = Field(5.0, ge=0, le=100)
    ae_plot_max_terms: int = Field(25, gt=0)
    ae_ci_method: Literal["newcomb", "wald", "agresti-caffo", "score"] = "newcomb"


# --------------------------------------------------------------------------- quality.yml

class Terminology(_Section):
    values: list[str] | None = None  # replaces the CDISC codelist
    extend: list[str] = []            # added to it


class PlausibleRange(_Section):
    unit: str | None = None
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> "PlausibleRange":
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is above high ({self.high:g})")
        return self


class QualityConfig(_Section):
    terminology: dict[str, Terminology] = {}
    plausible_ranges: dict[str, dict[str, PlausibleRange]] = {}  # section (lb, vs, dm) -> test -> range
    max_findings_per_rule: int = Field(20000, gt=0)


# --------------------------------------------------------------------------- the study

class StudyConfig(_Section):
    study: str
    studyid: str
    title: str | None = None  # filled with the study
    settings: Settings = Settings()
    arms: list[Arm] = []
    not_randomised: list[NotRandomised] = []
    subject_rules: SubjectRules = SubjectRules()
    race_groups: list[RaceGroup] = []
    bmi_groups: list[BmiGroup] = []
    age_groups: list[AgeGroup] = []
    visit_schedule: list[PlannedVisit] = []
    ae_rules: AeRules = AeRules()
    ae_severity: list[AeSeverity] = []
    ae_related: list[AeRelated] = []
    aesi: list[Aesi] = []
    analysis_visits: list[AnalysisVisit] = []
    lab_summary: list[LabSummary] = []
    vs_summary: list[VsSummary] = []
    nrind_codes: list[NrindCode] = []
    derived_params: list[DerivedParam] = []
    comparisons: list[Comparison] = []
    liver_injury: LiverInjury = LiverInjury()
    ae_dose_windows: list[DoseWindow] = [DoseWindow(label="Within 24 hours", hours=24)]
    reporting: Reporting = Reporting()
    # studies/<study>/quality.yml (validated as its own file)
    quality: QualityConfig = Field(QualityConfig(), exclude=True)

    @field_validator("studyid")
    @classmethod
    def _studyid(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @model_validator(mode="after")
    def _fill_and_check(self) -> "StudyConfig":
        if self.title is None:
            object.__setattr__(self, "title", self.study)
        if self.arms:
            arms = [a if a.order is not None else a.model_copy(update={"order": i + 1})
                    for i, a in enumerate(self.arms)]
            object.__setattr__(self, "arms", arms)
            controls = [a.arm for a in arms if a.control]
            if len(controls) != 1:
                raise ValueError(f"arms: exactly one arm must be `control: true`, found {len(controls)}")
        if not self.ae_dose_windows:
            object.__setattr__(self, "ae_dose_windows", type(self).model_fields["ae_dose_windows"].default)
        return self

    # sections in the order of study.yml; each becomes raw.cfg_<section>
    @classmethod
    def sections(cls) -> list[str]:
        return [n for n in cls.model_fields if n not in ("study", "studyid", "title", "quality")]

    def canonical(self) -> dict[str, Any]:
        """The validated configuration, defaults filled in, as plain JSON values (quality included)."""
        out = self.model_dump(mode="json")
        out["quality"] = self.quality.model_dump(mode="json")
        return out

    @property
    def config_sha256(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- errors

def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


_EXPECTED = {
    "int_parsing": "expected an integer", "int_type": "expected an integer",
    "int_from_float": "expected an integer",
    "float_parsing": "expected a number", "float_type": "expected a number",
    "bool_parsing": "expected true or false", "bool_type": "expected true or false",
    "string_type": "expected text",
    "list_type": "expected a list", "dict_type": "expected a mapping", "model_type": "expected a mapping",
    "model_attributes_type": "expected a mapping",
}


def _key_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The section model the location `loc` points into (to list its known keys)."""
    import types
    import typing

    def unwrap(ann: Any) -> Any:  # X | None -> X
        if typing.get_origin(ann) in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            return args[0] if len(args) == 1 else ann
        return ann

    current: Any = model
    for part in loc:
        current = unwrap(current)
        origin = typing.get_origin(current)
        if origin is list:
            current = typing.get_args(current)[0]
        elif origin is dict:
            current = typing.get_args(current)[1]
        elif isinstance(current, type) and issubclass(current, BaseModel) and part in current.model_fields:
            current = current.model_fields[part].annotation
        else:
            return None
    current = unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def format_errors(label: str, exc: ValidationError, model: type[BaseModel]) -> str:
    """One line per problem: `<file>: <key path>: <problem>`."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        path = _key_path(loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = _model_at(model, loc[:-1])
            known = ", ".join(parent.model_fields) if parent else ""
            problem = "unknown key" + (f" (known keys: {known})" if known else "")
        elif kind == "missing":
            problem = "required key is missing"
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            problem = f"expected one of {expected}, got {_kind(err['input'])}"
        elif kind in _EXPECTED:
            problem = f"{_EXPECTED[kind]}, got {_kind(err['input'])}"
        elif kind == "value_error":
            problem = str(err.get("ctx", {}).get("error") or err["msg"])
        else:
            problem = f"{err['msg'][0].lower()}{err['msg'][1:]}, got {_kind(err['input'])}"
        lines.append(f"{label}: {path}: {problem}" if path else f"{label}: {problem}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- loading

def _label(path: Path) -> str:
    """The file as shown in messages: from the studies folder on (`studies/x/study.yml`)."""
    try:
        return str(path.relative_to(path.parents[2]))
    except (IndexError, ValueError):
        return str(path)


def _read_yaml(path: Path, label: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise StudyConfigError(f"{label}: not valid YAML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise StudyConfigError(f"{label}: not UTF-8 text") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise StudyConfigError(f"{label}: the top level must be a mapping of keys, got {type(data).__name__}")
    return data


def validate_study(data: dict[str, Any], label: str = "study configuration",
                   quality: dict[str, Any] | None = None, quality_label: str = "quality configuration") -> StudyConfig:
    """Validate already-read configuration values (study.yml and quality.yml contents)."""
    if "quality" in data:
        raise StudyConfigError(f"{label}: quality: unknown key (data-quality settings belong in quality.yml)")
    try:
        q = QualityConfig.model_validate(quality or {})
    except ValidationError as exc:
        raise StudyConfigError(format_errors(quality_label, exc, QualityConfig)) from None
    try:
        cfg = StudyConfig.model_validate(data)
    except ValidationError as exc:
        raise StudyConfigError(format_errors(label, exc, StudyConfig)) from None
    return cfg.model_copy(update={"quality": q})


_CACHE: dict[tuple, StudyConfig] = {}


def load_study(name: str, studies_root: Path | None = None) -> StudyConfig:
    """Read and validate `studies/<name>/study.yml` and its optional `quality.yml`."""
    folder = (studies_root or paths.studies_dir()) / name
    path, qpath = folder / "study.yml", folder / "quality.yml"
    label = _label(path)
    if not path.is_file():
        raise StudyConfigError(f"{label}: no configuration file for study {name} (expected at {path})")
    raw = path.read_bytes()
    qraw = qpath.read_bytes() if qpath.is_file() else None
    key = (str(path.resolve()), name, raw, qraw)
    if key in _CACHE:
        return _CACHE[key]
    data = _read_yaml(path, label)
    quality = _read_yaml(qpath, _label(qpath)) if qraw is not None else {}
    data.setdefault("study", name)
    if data["study"] != name:
        raise StudyConfigError(f"{label}: study: {data['study']!r} does not match its folder {name!r}")
    cfg = validate_study(data, label, quality, _label(qpath))
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[key] = cfg
    return cfg

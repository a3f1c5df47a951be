"""The typed model of a simulated study's design: `studies/<study>/design.yml`.

The design says everything the generator needs: arms and allocation, the visit and dosing
schedule with its jitter, missed visits, dropouts and NOT DONE rates, the lab and vital-sign
panels (per test: code, name, category, unit, normal range, mean/sd, decimals), background
adverse-event rates and the injected effects (a lab mean shift in an arm at given visits, an
adverse event within some hours after given doses in a given number of subjects of an arm, an
adverse event within a range of study days). Unknown keys are errors; a problem is a
`DesignError` with one line per problem naming the file, the key path and what is wrong
(the same wording as the study configuration's, `safety_warehouse.study_model.format_errors`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from safety_warehouse.study_model import format_errors


class DesignError(Exception):
    """A design file cannot be used; the message names the file and the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _minutes(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:])


class TimeRange(_Section):
    """A time of day drawn uniformly between `start` and `end` (HH:MM, 24 h)."""

    start: str = "08:00"
    end: str = "12:00"

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError(f"expected a time of day HH:MM, got {value!r}")
        return value

    @model_validator(mode="after")
    def _order(self) -> "TimeRange":
        if _minutes(self.end) < _minutes(self.start):
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Treatment(_Section):
    extrt: str
    exdose: float
    exdosu: str
    exdosfrm: str = "SOLUTION"
    exdosfrq: str = "ONCE"
    exroute: str = "INTRAVENOUS"
    infusion_minutes: tuple[int, int] = (30, 60)  # EXENDTC = EXSTDTC + uniform minutes in this range


class Arm(_Section):
    arm: str
    armcd: str = Field(max_length=20)
    n: int = Field(gt=0)  # subjects per replicate (`--scale K` multiplies it)
    treatment: Treatment


class Category(_Section):
    """A categorical demographic: value -> probability (normalised)."""

    values: dict[str, float]

    @field_validator("values")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        if not value or any(p < 0 for p in value.values()) or sum(value.values()) <= 0:
            raise ValueError("expected at least one value with a positive probability")
        return value


class Demographics(_Section):
    age_mean: float = 50
    age_sd: float = Field(10, ge=0)
    age_min: int = 18
    age_max: int = 80
    sex: dict[str, float] = {"M": 0.5, "F": 0.5}
    race: dict[str, float] = {"WHITE": 1.0}
    ethnic: dict[str, float] = {"NOT HISPANIC OR LATINO": 1.0}
    country: str = "USA"

    @model_validator(mode="after")
    def _check(self) -> "Demographics":
        if self.age_min > self.age_max:
            raise ValueError(f"age_min ({self.age_min}) is above age_max ({self.age_max})")
        for key in ("sex", "race", "ethnic"):
            probs = getattr(self, key)
            if not probs or any(p < 0 for p in probs.values()) or sum(probs.values()) <= 0:
                raise ValueError(f"{key}: expected at least one value with a positive probability")
        return self


class Visit(_Section):
    visitnum: float
    visit: str
    day: int  # planned study day (day 1 = first dose; no day 0)
    window: int = Field(0, ge=0)  # actual day = planned day + uniform integer in [-window, window]
    dose: bool = False  # a dose is given at this visit (after the samples are drawn)
    labs: bool = True
    vitals: bool = True
    missable: bool = True  # may be missed (missed_visit_rate); dosing visits and day 1 never are

    @field_validator("day")
    @classmethod
    def _no_day_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("study day 0 does not exist (day -1 is followed by day 1)")
        return value


class Rates(_Section):
    missed_visit: float = Field(0.0, ge=0, le=1)  # per missable visit and subject
    dropout: float = Field(0.0, ge=0, le=1)  # per subject: leaves after a random post-dose visit
    lab_not_done: float = Field(0.0, ge=0, le=1)  # per lab record
    vs_not_done: float = Field(0.0, ge=0, le=1)  # per vital-sign record
    dropout_reason: str = "WITHDRAWAL BY SUBJECT"


class Test(_Section):
    testcd: str = Field(max_length=8, pattern=r"^[A-Z][A-Z0-9_]*$")
    test: str = Field(max_length=40)
    category: str
    unit: str | None = None  # the standard unit; absent: a unitless test (LBSTRESU blank)
    low: float | None = None  # normal range (absent: no range, LBNRIND blank)
    high: float | None = None
    mean: float
    sd: float = Field(gt=0)
    decimals: int = Field(1, ge=0, le=6)
    minimum: float = 0.0  # values are floored here (a measured quantity is not negative)
    subject_share: float = Field(0.6, ge=0, le=1)  # share of the variance between subjects
    visits: list[float] | None = None  # VISITNUMs at which the test is done; absent: every lab/vital visit

    @model_validator(mode="after")
    def _range(self) -> "Test":
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValueError(f"low ({self.low:g}) is not below high ({self.high:g})")
        return self


class BackgroundAe(_Section):
    term: str
    decod: str | None = None  # filled with the term
    soc: str
    rate: float | dict[str, float] = Field(..., description="per-subject incidence; or per ARMCD")
    severity: dict[str, float] = {"MILD": 0.7, "MODERATE": 0.3}
    related: dict[str, float] = {"NOT RELATED": 1.0}
    duration_days: float = Field(3.0, gt=0)  # mean (exponential)


class LabShift(_Section):
    testcd: str
    armcd: str
    visits: list[float] = Field(min_length=1)
    shift_sd: float | None = None  # in SDs of the test
    shift: float | None = None  # absolute, in the test's unit

    @model_validator(mode="after")
    def _one(self) -> "LabShift":
        if (self.shift_sd is None) == (self.shift is None):
            raise ValueError("give exactly one of shift_sd and shift")
        return self


class AeAfterDose(_Section):
    """`subjects` subjects of the arm each get one event starting hours_from..hours_to after one of `doses`."""

    term: str
    decod: str | None = None
    soc: str
    armcd: str
    subjects: int = Field(gt=0)  # per replicate
    doses: list[int] = Field(min_length=1)  # 1-based dose numbers
    hours_from: float = Field(ge=0)
    hours_to: float = Field(gt=0)
    next_day_at_least: int = Field(0, ge=0)  # at least this many onsets fall on a later calendar day than the dose
    severity: str = "MILD"
    related: str = "RELATED"
    duration_hours: tuple[float, float] = (4.0, 24.0)

    @model_validator(mode="after")
    def _window(self) -> "AeAfterDose":
        if self.hours_to <= self.hours_from:
            raise ValueError(f"hours_to ({self.hours_to:g}) is not after hours_from ({self.hours_from:g})")
        if self.next_day_at_least > self.subjects:
            raise ValueError("next_day_at_least is above subjects")
        return self


class AeInWindow(_Section):
    """`subjects` subjects (of the arm, or of any arm) each get one event between study days day_from..day_to."""

    term: str
    decod: str | None = None
    soc: str
    armcd: str | None = None
    subjects: int = Field(gt=0)
    day_from: int = 1
    day_to: int
    severity: str = "MILD"
    related: str = "NOT RELATED"
    duration_days: float = Field(1.0, gt=0)

    @model_validator(mode="after")
    def _window(self) -> "AeInWindow":
        if self.day_to < self.day_from:
            raise ValueError(f"day_to ({self.day_to}) is before day_from ({self.day_from})")
        return self


class Effects(_Section):
    lab_shifts: list[LabShift] = []
    ae_after_dose: list[AeAfterDose] = []
    ae_in_window: list[AeInWindow] = []


class Design(_Section):
    simulated: Literal[True]  # a design describes simulated data only, and says so
    source: str  # what the simulation imitates (a citation)
    studyid: str = Field(min_length=1)
    study_start: dt.date
    enrolment_days: int = Field(60, ge=1)  # first doses spread over this many days
    sites: list[str] = Field(["01"], min_length=1)
    demographics: Demographics = Demographics()
    arms: list[Arm] = Field(min_length=1)
    visits: list[Visit] = Field(min_length=1)
    visit_time: TimeRange = TimeRange()
    dose_time: TimeRange = TimeRange(start="09:00", end="15:00")
    rates: Rates = Rates()
    labs: list[Test] = []
    vitals: list[Test] = []
    background_aes: list[BackgroundAe] = []
    effects: Effects = Effects()

    @model_validator(mode="after")
    def _consistent(self) -> "Design":
        armcds = [a.armcd for a in self.arms]
        if len(set(armcds)) != len(armcds):
            raise ValueError(f"arms: ARMCD values repeat: {armcds}")
        nums = [v.visitnum for v in self.visits]
        if nums != sorted(set(nums)):
            raise ValueError("visits: VISITNUM must be unique and ascending")
        days = [v.day for v in self.visits]
        if days != sorted(days):
            raise ValueError("visits: planned days must be ascending")
        if not any(v.dose for v in self.visits):
            raise ValueError("visits: no visit has `dose: true`")
        first_dose = next(v for v in self.visits if v.dose)
        if first_dose.day != 1:
            raise ValueError(f"visits: the first dosing visit ({first_dose.visit}) must be on day 1")
        for section in ("labs", "vitals"):
            codes = [t.testcd for t in getattr(self, section)]
            if len(set(codes)) != len(codes):
                raise ValueError(f"{section}: test codes repeat")
            for t in getattr(self, section):
                unknown = sorted(set(t.visits or []) - set(nums))
                if unknown:
                    raise ValueError(f"{section}: {t.testcd}: visits {unknown} are not in `visits`")
        labcodes = {t.testcd for t in self.labs}
        ndoses = sum(v.dose for v in self.visits)
        for i, s in enumerate(self.effects.lab_shifts):
            if s.testcd not in labcodes:
                raise ValueError(f"effects.lab_shifts[{i}]: testcd {s.testcd!r} is not in labs")
            if s.armcd not in armcds:
                raise ValueError(f"effects.lab_shifts[{i}]: armcd {s.armcd!r} is not an arm")
            unknown = sorted(set(s.visits) - set(nums))
            if unknown:
                raise ValueError(f"effects.lab_shifts[{i}]: visits {unknown} are not in `visits`")
        for i, e in enumerate(self.effects.ae_after_dose):
            if e.armcd not in armcds:
                raise ValueError(f"effects.ae_after_dose[{i}]: armcd {e.armcd!r} is not an arm")
            bad = [d for d in e.doses if not 1 <= d <= ndoses]
            if bad:
                raise ValueError(f"effects.ae_after_dose[{i}]: doses {bad} outside 1..{ndoses}")
            arm = next(a for a in self.arms if a.armcd == e.armcd)
            if e.subjects > arm.n:
                raise ValueError(f"effects.ae_after_dose[{i}]: {e.subjects} subjects, arm {e.armcd} has {arm.n}")
        for i, e in enumerate(self.effects.ae_in_window):
            if e.armcd is not None and e.armcd not in armcds:
                raise ValueError(f"effects.ae_in_window[{i}]: armcd {e.armcd!r} is not an arm")
        for i, b in enumerate(self.background_aes):
            if isinstance(b.rate, dict):
                unknown = sorted(set(b.rate) - set(armcds))
                if unknown:
                    raise ValueError(f"background_aes[{i}]: rate: {unknown} are not arms")
        return self


def _label(path: Path) -> str:
    try:
        return str(path.relative_to(path.parents[2]))
    except (IndexError, ValueError):
        return str(path)


def validate_design(data: dict, label: str = "design") -> Design:
    try:
        return Design.model_validate(data)
    except ValidationError as exc:
        raise DesignError(format_errors(label, exc, Design)) from None


def load_design(path: Path) -> Design:
    """Read and validate a design file; every problem names the file and the key."""
    label = _label(path)
    if not path.is_file():
        raise DesignError(f"{label}: no design file (expected at {path})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DesignError(f"{label}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise DesignError(f"{label}: the top level must be a mapping of keys")
    return validate_design(data, label)

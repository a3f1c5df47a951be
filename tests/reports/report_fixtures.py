"""Small hand-made marts and results models shaped like their contracts, for the report tests.

Ten subjects in the safety population (Placebo 4, Low 3, High 3) and one screen failure; a handful
of adverse events whose counts can be checked by hand; one summarised lab parameter (ALT) and one
that is not summarised; one vital sign with two timepoints; the liver-injury mart. The results
models (counted by dbt in the pipeline) are written here by hand from the same subjects: the
report code only reads them, so these tests check what it adds (p-values, labels, display)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

STUDY = "fixstudy"
STUDYID = "FIX01"

CONFIG = {
    "study": STUDY,
    "studyid": STUDYID,
    "title": "Fixture study",
    "settings": {"alpha": 0.05, "lab_test": "ancova", "vs_test": "welch",
                 "lab_threshold_low_factor": 0.5, "lab_threshold_high_factor": 1.5},
    "arms": [
        {"arm": "Placebo", "armcd": "P", "order": 1, "control": True, "label": "Pbo"},
        {"arm": "Low", "armcd": "L", "order": 2, "control": False, "label": "Lo"},
        {"arm": "High", "armcd": "H", "order": 3, "control": False, "label": "Hi"},
    ],
    "ae_severity": [{"aesev": "MILD", "asevn": 1}, {"aesev": "MODERATE", "asevn": 2}, {"aesev": "SEVERE", "asevn": 3}],
    "nrind_codes": [{"nrind": "LOW", "code": "L", "rank": 1}, {"nrind": "NORMAL", "code": "N", "rank": 0},
                    {"nrind": "HIGH", "code": "H", "rank": 2}],
    "liver_injury": {"alt_testcd": "ALT", "ast_testcd": "AST", "bili_testcd": "BILI",
                     "transaminase_factor": 3, "bilirubin_factor": 2},
    "ae_dose_windows": [{"label": "Within 24 hours", "hours": 24}, {"label": "Within 3 days", "hours": 72}],
}

SUBJECTS = {  # usubjid -> arm
    "P1": "Placebo", "P2": "Placebo", "P3": "Placebo", "P4": "Placebo",
    "L1": "Low", "L2": "Low", "L3": "Low",
    "H1": "High", "H2": "High", "H3": "High",
}
ORDER = {"Placebo": 1, "Low": 2, "High": 3}


def dim_subject() -> pd.DataFrame:
    ages = {"P1": 70, "P2": 80, "P3": 64, "P4": 75, "L1": 66, "L2": 90, "L3": 71, "H1": 59, "H2": 77, "H3": 82}
    sexes = {"P1": "F", "P2": "M", "P3": "F", "P4": "F", "L1": "M", "L2": "F", "L3": "M", "H1": "M", "H2": "M", "H3": "F"}
    rows = []
    for s, arm in SUBJECTS.items():
        age = ages[s]
        rows.append(dict(studyid=STUDYID, usubjid=s, subjid=s, siteid="1", arm=arm, armcd=arm[0], actarm=arm,
                         actarmcd=arm[0], trt01p=arm, trt01pn=ORDER[arm], trt01a=arm, trt01an=ORDER[arm],
                         randfl="Y", ittfl="Y", saffl="Y", trtsdt=date(2020, 1, 1), trtedt=date(2020, 3, 1),
                         trtdurd=61, age=float(age), ageu="YEARS",
                         agegr1="<65" if age < 65 else "65-80" if age <= 80 else ">80",
                         agegr1n=1 if age < 65 else 2 if age <= 80 else 3, sex=sexes[s], race="WHITE",
                         ethnic="NOT HISPANIC OR LATINO", rficdt=None, eosstt="COMPLETED", dcsreas=None,
                         dthfl=None, dthdt=None, heightbl=160.0 + ages[s] % 7, weightbl=None, bmibl=None))
    rows.append(dict(rows[0], usubjid="S1", subjid="S1", arm="Screen Failure", trt01p="Screen Failure",
                     trt01a="Screen Failure", trt01pn=None, trt01an=None, randfl="N", ittfl="N", saffl="N"))
    df = pd.DataFrame(rows)
    df.loc[df["usubjid"] == "L2", ["eosstt", "dcsreas"]] = ["DISCONTINUED", "ADVERSE EVENT"]
    df.loc[df["usubjid"] == "H3", "race"] = "ASIAN"
    return df


def fct_adverse_event() -> pd.DataFrame:
    # usubjid, soc, pt, asevn, aeser, relfl, trtemfl, dosenum, days_since_dose
    events = [
        ("P1", "GASTROINTESTINAL DISORDERS", "NAUSEA", 1, "N", "N", "Y", 1, 0),
        ("P1", "GASTROINTESTINAL DISORDERS", "NAUSEA", 2, "N", "N", "Y", 2, 5),
        ("P2", "SKIN DISORDERS", "RASH", 3, "Y", "N", "Y", 1, 1),
        ("L1", "GASTROINTESTINAL DISORDERS", "NAUSEA", 1, "N", "N", "Y", 1, 0),
        ("L1", "SKIN DISORDERS", "PRURITUS", 1, "N", "Y", "Y", 2, 2),
        ("L2", "GASTROINTESTINAL DISORDERS", "VOMITING", 2, "N", "N", "Y", 1, 10),
        ("H1", "GASTROINTESTINAL DISORDERS", "NAUSEA", 1, "N", "Y", "Y", 1, 0),
        ("H1", "GASTROINTESTINAL DISORDERS", "DIARRHOEA", 1, "N", "N", "N", None, None),  # not treatment-emergent
        ("H2", "GASTROINTESTINAL DISORDERS", "NAUSEA", 2, "N", "Y", "Y", 2, 0),
        ("H3", "GASTROINTESTINAL DISORDERS", "VOMITING", 1, "N", "N", "Y", 1, 3),
        ("H3", "SKIN DISORDERS", "RASH", 3, "N", "Y", "Y", 2, 1),
        ("S1", "GASTROINTESTINAL DISORDERS", "NAUSEA", 1, "N", "N", "Y", None, None),  # not in the population
    ]
    sev = {1: "MILD", 2: "MODERATE", 3: "SEVERE"}
    rows = []
    for i, (s, soc, pt, asevn, ser, rel, te, dose, days) in enumerate(events, start=1):
        arm = SUBJECTS.get(s, "Screen Failure")
        rows.append(dict(studyid=STUDYID, usubjid=s, aeseq=i, trt01a=arm, trt01an=ORDER.get(arm),
                         saffl="Y" if s in SUBJECTS else "N", aeterm=pt.lower(), aedecod=pt, aebodsys=soc,
                         aesev=sev[asevn], asevn=asevn, aeser=ser, aerel="PROBABLE" if rel == "Y" else "NONE",
                         relfl=rel, aeout="RECOVERED/RESOLVED", aeacn=None, aesdth="N", aetrtem=te,
                         aestdtc="2020-01-05", astdt=date(2020, 1, 5), astdtf=None, aendt=None, aendtf=None,
                         astdy=5, aendy=None, adurn=None, trtemfl=te, dosenum=dose, last_dose_dt=None,
                         days_since_dose=days, aesifl="N", aesi_cat=None))
    df = pd.DataFrame(rows)
    df["dosenum"] = df["dosenum"].astype("Int64")
    df["days_since_dose"] = df["days_since_dose"].astype("Int64")
    return df


LAB_VISITS = [("Baseline", 0), ("Week 2", 2), ("Week 4", 4), ("End of Treatment", 99)]


def _values(seed: int) -> dict[tuple[str, int], float | None]:
    rng = np.random.default_rng(seed)
    values: dict[tuple[str, int], float | None] = {}
    shift = {"Placebo": 0.0, "Low": 3.0, "High": 8.0}
    for s, arm in SUBJECTS.items():
        base = float(np.round(rng.normal(20, 4), 1))
        values[(s, 0)] = base
        for n in (2, 4):
            values[(s, n)] = float(np.round(base + shift[arm] * n / 2 + rng.normal(0, 2), 1))
    values[("P3", 2)] = None       # a record with a missing value
    return values


def fct_lab_result() -> pd.DataFrame:
    values = _values(7)
    rows = []
    seq = 0
    for paramcd, param, summfl in (("ALT", "Alanine Aminotransferase (U/L)", "Y"), ("XX", "Not summarised", "N")):
        for s, arm in SUBJECTS.items():
            base = values[(s, 0)]
            for visit, n in LAB_VISITS:
                seq += 1
                src = 4 if n == 99 else n
                aval = values[(s, src)]
                if n == 99 and s == "H3":
                    continue  # no End-of-Treatment record for H3
                chg = None if (n == 0 or aval is None) else round(aval - base, 1)
                anrind = None if aval is None else ("H" if aval > 27 else "L" if aval < 15 else "N")
                bnrind = "H" if base > 27 else "L" if base < 15 else "N"
                rows.append(dict(
                    studyid=STUDYID, usubjid=s, lbseq=seq, trt01a=arm, trt01an=ORDER[arm], saffl="Y",
                    paramcd=paramcd, param=param, parcat1="CHEMISTRY", avalu="U/L", aval=aval,
                    avalc=None if aval is None else str(aval), avisit=visit, avisitn=n, visitnum=float(n),
                    visit=visit.upper(), adt=None, ady=n * 7, ablfl="Y" if n == 0 else None,
                    postblfl="N" if n == 0 else "Y", avisit_type="baseline" if n == 0 else "post-baseline",
                    base=base, chg=chg,
                    pchg=None, anrlo=10.0, anrhi=30.0, anrind=anrind, bnrind=bnrind, r2uln=None if aval is None else aval / 30,
                    r2lln=None, athrind=None if aval is None else ("H" if aval > 45 else "N"),
                    bthrind="H" if base > 45 else "N", eotfl="Y" if n == 99 else "N", anl01fl="Y",
                    summfl=summfl, dtype=None))
    # a record outside the analysis (no analysis visit) and one not flagged for analysis
    extra = dict(rows[1], lbseq=999, avisit=None, avisitn=None, avisit_type=None, anl01fl=None, aval=500.0)
    extra2 = dict(rows[1], lbseq=998, anl01fl="N", aval=600.0)
    return pd.DataFrame(rows + [extra, extra2])


def fct_vital_sign() -> pd.DataFrame:
    rows = []
    seq = 0
    rng = np.random.default_rng(11)
    for tptn, tpt in ((1, "SUPINE"), (2, "STANDING")):
        for s, arm in SUBJECTS.items():
            base = float(np.round(rng.normal(130, 10)))
            for visit, n in LAB_VISITS[:3]:
                seq += 1
                aval = base if n == 0 else float(np.round(base + rng.normal(-2 if arm == "Placebo" else 4, 3)))
                rows.append(dict(studyid=STUDYID, usubjid=s, vsseq=seq, trt01a=arm, trt01an=ORDER[arm], saffl="Y",
                                 paramcd="SYSBP", param="Systolic Blood Pressure (mmHg)", parcat1="VITAL SIGNS",
                                 avalu="mmHg", atpt=tpt, atptn=float(tptn), aval=aval, avalc=str(aval), avisit=visit,
                                 avisitn=n, visitnum=float(n), visit=visit.upper(), adt=None, ady=n * 7,
                                 ablfl="Y" if n == 0 else None, postblfl="N" if n == 0 else "Y",
                                 avisit_type="baseline" if n == 0 else "post-baseline",
                                 base=base, chg=None if n == 0 else aval - base,
                                 pchg=None, anrlo=None, anrhi=None, anrind=None, bnrind=None, r2uln=None, r2lln=None,
                                 athrind=None, bthrind=None, eotfl="N", anl01fl="Y", summfl="Y", dtype=None))
    return pd.DataFrame(rows)


def mart_liver_injury() -> pd.DataFrame:
    peaks = {  # alt, ast, bili (x ULN)
        "P1": (1.0, 0.9, 0.5), "P2": (3.5, 1.0, 0.6), "P3": (0.8, 0.7, None), "P4": (1.2, 1.1, 2.5),
        "L1": (4.0, 3.2, 2.2), "L2": (0.9, 0.8, 0.4), "L3": (None, None, None),
        "H1": (5.0, 2.0, 2.1), "H2": (1.1, 3.1, 0.9), "H3": (0.6, 0.5, 0.3),
    }
    rows = []
    for s, (alt, ast, bili) in peaks.items():
        arm = SUBJECTS[s]
        altast = any(v is not None and v > 3 for v in (alt, ast))
        b = bili is not None and bili > 2
        rows.append(dict(studyid=STUDYID, usubjid=s, trt01a=arm, trt01an=ORDER[arm], peak_alt_r2uln=alt,
                         peak_ast_r2uln=ast, peak_bili_r2uln=bili,
                         alt_high_fl="Y" if alt is not None and alt > 3 else "N",
                         ast_high_fl="Y" if ast is not None and ast > 3 else "N",
                         transaminase_high_fl="Y" if altast else "N", bili_high_fl="Y" if b else "N",
                         hyslaw_fl="Y" if (altast and b) else "N", liver_transaminase_factor=3.0,
                         liver_bilirubin_factor=2.0))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- results models (by hand)

ARMS = ["Placebo", "Low", "High"]
BIG_N = {"Placebo": 4, "Low": 3, "High": 3}
CONTROL = "Placebo"


def _with_control(frame: pd.DataFrame, keys: list[str], n: str, denom: str) -> pd.DataFrame:
    ctrl = frame.loc[frame["arm"] == CONTROL, keys + [n, denom]].rename(
        columns={n: f"ctrl_{n}", denom: f"ctrl_{denom}"})
    out = frame.merge(ctrl, on=keys, how="left")
    out["compare_to_control"] = (out["arm"] != CONTROL) & ((out[n] > 0) | (out[f"ctrl_{n}"] > 0))
    return out


def _incidence(rows) -> pd.DataFrame:
    """rows: (level, soc, pt, row_order, {arm: (subjects, events)}) -> results_ae_soc_pt shape."""
    out = []
    for level, soc, pt, order, counts in rows:
        for arm in ARMS:
            n, e = counts.get(arm, (0, 0))
            out.append(dict(studyid=STUDYID, level=level, soc=soc, pt=pt, arm=arm, armn=ORDER[arm], big_n=BIG_N[arm],
                            n_subjects=n, pct=100.0 * n / BIG_N[arm], n_events=e, row_order=order))
    frame = pd.DataFrame(out)
    frame["_soc"], frame["_pt"] = frame["soc"].fillna(""), frame["pt"].fillna("")
    frame = _with_control(frame, ["level", "_soc", "_pt"], "n_subjects", "big_n")
    return frame.drop(columns=["_soc", "_pt"])


GI, SKIN = "GASTROINTESTINAL DISORDERS", "SKIN DISORDERS"


def results_ae_soc_pt() -> pd.DataFrame:
    """The TEAEs of fct_adverse_event above, counted by hand."""
    return _incidence([
        ("overall", None, None, 0, {"Placebo": (2, 3), "Low": (2, 3), "High": (3, 4)}),
        ("soc", GI, None, 1, {"Placebo": (1, 2), "Low": (2, 2), "High": (3, 3)}),
        ("pt", GI, "NAUSEA", 2, {"Placebo": (1, 2), "Low": (1, 1), "High": (2, 2)}),
        ("pt", GI, "VOMITING", 3, {"Low": (1, 1), "High": (1, 1)}),
        ("soc", SKIN, None, 4, {"Placebo": (1, 1), "Low": (1, 1), "High": (1, 1)}),
        ("pt", SKIN, "RASH", 5, {"Placebo": (1, 1), "High": (1, 1)}),
        ("pt", SKIN, "PRURITUS", 6, {"Low": (1, 1)}),
    ])


def results_ae_soc_pt_serious() -> pd.DataFrame:
    return _incidence([
        ("overall", None, None, 0, {"Placebo": (1, 1)}),
        ("soc", SKIN, None, 1, {"Placebo": (1, 1)}),
        ("pt", SKIN, "RASH", 2, {"Placebo": (1, 1)}),
    ])


def results_ae_empty() -> pd.DataFrame:
    """A study without any TEAE: only the overall row, zero in every arm."""
    return _incidence([("overall", None, None, 0, {})])


def results_ae_overview() -> pd.DataFrame:
    """The overview categories of the TEAEs above, counted by hand. No AE records an action taken, so
    discontinuation is the disposition reason (L2, Low), subjects only."""
    counts = [  # category, label, {arm: (subjects, events)}
        ("any", "Any TEAE", {"Placebo": (2, 3), "Low": (2, 3), "High": (3, 4)}),
        ("serious", "Serious TEAE", {"Placebo": (1, 1)}),
        ("severe", "Severe TEAE", {"Placebo": (1, 1), "High": (1, 1)}),
        ("related", "Related TEAE", {"Low": (1, 1), "High": (3, 3)}),
        ("death", "TEAE leading to death", {}),
        ("discontinuation", "TEAE leading to discontinuation", {"Low": (1, None)}),
    ]
    rows = []
    for order, (cat, label, by_arm) in enumerate(counts, start=1):
        source = "DS" if cat == "discontinuation" else "AE"
        for arm in ARMS:
            n, e = by_arm.get(arm, (0, None if source == "DS" else 0))
            rows.append(dict(studyid=STUDYID, category=cat, label=label, category_order=order, arm=arm,
                             armn=ORDER[arm], big_n=BIG_N[arm], n_subjects=n, pct=100.0 * n / BIG_N[arm],
                             n_events=e, source=source))
    frame = _with_control(pd.DataFrame(rows), ["category"], "n_subjects", "big_n")
    frame["compare_to_control"] = frame["arm"] != CONTROL
    frame["n_events"] = frame["n_events"].astype("Int64")
    return frame


def results_ae_aesi() -> pd.DataFrame:
    """Two configured categories: one the High arm had (2 subjects, 3 events), one nobody had."""
    rows = []
    for order, (cat, definition, by_arm) in enumerate([
            ("Infusion reaction", "PYREXIA, onset 0-1 days after a dose", {"High": (2, 3)}),
            ("Syncope", "SYNCOPE", {})], start=1):
        for arm in ARMS:
            n, e = by_arm.get(arm, (0, 0))
            rows.append(dict(studyid=STUDYID, aesi_cat=cat, definition=definition, category_order=order, arm=arm,
                             armn=ORDER[arm], big_n=BIG_N[arm], n_subjects=n, pct=100.0 * n / BIG_N[arm],
                             n_events=e))
    frame = _with_control(pd.DataFrame(rows), ["aesi_cat"], "n_subjects", "big_n")
    frame["compare_to_control"] = (frame["arm"] != CONTROL) & (frame["n_subjects"] + frame["ctrl_n_subjects"] > 0)
    return frame


def results_ae_soc_pt_severity() -> pd.DataFrame:
    """Worst severity per row of the TEAEs above (overall and the nausea PT), by hand."""
    rows = []
    cells = [  # level, soc, pt, row_order, sevn, {arm: (subjects at worst, events of the grade)}
        ("overall", None, None, 0, 1, {"Placebo": (0, 1), "Low": (1, 2), "High": (1, 2)}),
        ("overall", None, None, 0, 2, {"Placebo": (1, 1), "Low": (1, 1), "High": (1, 1)}),
        ("overall", None, None, 0, 3, {"Placebo": (1, 1), "High": (1, 1)}),
        ("pt", GI, "NAUSEA", 2, 1, {"Placebo": (0, 1), "Low": (1, 1), "High": (1, 1)}),
        ("pt", GI, "NAUSEA", 2, 2, {"Placebo": (1, 1), "High": (1, 1)}),
    ]
    labels = {1: "Mild", 2: "Moderate", 3: "Severe"}
    for level, soc, pt, order, sevn, by_arm in cells:
        for arm in ARMS:
            n, e = by_arm.get(arm, (0, 0))
            rows.append(dict(studyid=STUDYID, level=level, soc=soc, pt=pt, severity=labels[sevn], sevn=sevn, arm=arm,
                             armn=ORDER[arm], big_n=BIG_N[arm], n_subjects=n, pct=100.0 * n / BIG_N[arm],
                             n_events=e, row_order=order))
    return pd.DataFrame(rows)


def results_ae_dose_window() -> pd.DataFrame:
    """Time after dose of the TEAEs above (dates only: days x 24 < hours), overall and the nausea PT."""
    cells = [  # window, hours, worder, dosenum, level, pt, row_order, {arm: (subjects, events)}
        ("Within 24 hours", 24, 1, 1, "overall", None, 0, {"Placebo": (1, 1), "Low": (1, 1), "High": (1, 1)}),
        ("Within 24 hours", 24, 1, 2, "overall", None, 0, {"High": (1, 1)}),
        ("Within 24 hours", 24, 1, None, "overall", None, 0, {"Placebo": (1, 1), "Low": (1, 1), "High": (2, 2)}),
        ("Within 24 hours", 24, 1, None, "pt", "NAUSEA", 2, {"Placebo": (1, 1), "Low": (1, 1), "High": (2, 2)}),
        ("Within 3 days", 72, 2, 1, "overall", None, 0, {"Placebo": (2, 2), "Low": (1, 1), "High": (1, 1)}),
        ("Within 3 days", 72, 2, 2, "overall", None, 0, {"Low": (1, 1), "High": (2, 2)}),
        ("Within 3 days", 72, 2, None, "overall", None, 0, {"Placebo": (2, 2), "Low": (1, 2), "High": (3, 3)}),
    ]
    rows = []
    for window, hours, worder, dose, level, pt, order, by_arm in cells:
        for arm in ARMS:
            n, e = by_arm.get(arm, (0, 0))
            rows.append(dict(studyid=STUDYID, window_label=window, window_hours=float(hours), window_order=worder,
                             dosenum=dose, dose_label="Any dose" if dose is None else f"Dose {dose}",
                             dose_order=3 if dose is None else dose, level=level, soc=GI if pt else None, pt=pt,
                             row_order=order, arm=arm, armn=ORDER[arm], big_n=BIG_N[arm], n_subjects=n,
                             pct=100.0 * n / BIG_N[arm], n_events=e, n_events_datetime=0))
    frame = pd.DataFrame(rows)
    frame["dosenum"] = frame["dosenum"].astype("Int64")
    frame["_k"] = frame["window_label"] + frame["dose_label"] + frame["level"] + frame["pt"].fillna("")
    frame = _with_control(frame, ["_k"], "n_subjects", "big_n")
    return frame.drop(columns=["_k"])


def results_ae_risk_diff() -> pd.DataFrame:
    """The PT rows of results_ae_soc_pt; every term is plotted (above 5 % in some arm)."""
    frame = results_ae_soc_pt()
    frame = frame.loc[frame["level"] == "pt"].drop(columns=["level", "n_events"]).reset_index(drop=True)
    frame["max_pct"] = frame.groupby(["soc", "pt"])["pct"].transform("max")
    frame["plot_rank"] = frame["max_pct"].rank(method="dense", ascending=False).astype(int)
    frame["plotted"] = True
    return frame


def results_demographics() -> pd.DataFrame:
    """Age (continuous) and sex (categorical) of dim_subject above, arms and total (arm NULL)."""
    subjects = dim_subject()
    subjects = subjects.loc[subjects["saffl"] == "Y"]
    columns = [(a, ORDER[a], subjects.loc[subjects["trt01a"] == a]) for a in ARMS] + [(None, 4, subjects)]
    rows = []
    for arm, armn, sub in columns:
        ages = sub["age"].astype(float)
        values = {"n": float(len(ages)), "mean": ages.mean(), "sd": ages.std(ddof=1), "median": ages.median(),
                  "min": ages.min(), "max": ages.max()}
        for order, (stat, value) in enumerate(values.items()):
            rows.append(dict(variable="age", var_order=1, kind="continuous", statistic=stat, category=None,
                             row_order=order, arm=arm, armn=armn, big_n=len(sub),
                             n=len(ages) if stat == "n" else None, pct=None, value=value))
        sexes = sub["sex"]
        rows.append(dict(variable="sex", var_order=3, kind="categorical", statistic="n", category=None, row_order=0,
                         arm=arm, armn=armn, big_n=len(sub), n=int(sexes.notna().sum()), pct=None, value=None))
        for order, sex in enumerate(["F", "M"], start=1):
            n = int((sexes == sex).sum())
            rows.append(dict(variable="sex", var_order=3, kind="categorical", statistic="category", category=sex,
                             row_order=order, arm=arm, armn=armn, big_n=len(sub), n=n, pct=100.0 * n / len(sub),
                             value=None))
    frame = pd.DataFrame(rows)
    frame.insert(0, "studyid", STUDYID)
    frame["n"] = frame["n"].astype("Int64")
    return frame


def results_lab_nr_freq() -> pd.DataFrame:
    """ALT: subjects by the category of their worst on-treatment record (no one low)."""
    counts = {"Placebo": {"L": 0, "N": 3, "H": 1}, "Low": {"L": 0, "N": 2, "H": 1}, "High": {"L": 0, "N": 0, "H": 3}}
    rows = [dict(studyid=STUDYID, parcat1="CHEMISTRY", paramcd="ALT", param="Alanine Aminotransferase (U/L)",
                 category=c, arm=a, armn=ORDER[a], n_evaluable=sum(counts[a].values()), n_subjects=n,
                 pct=100.0 * n / sum(counts[a].values()))
            for a in ARMS for c, n in counts[a].items()]
    return _with_control(pd.DataFrame(rows), ["paramcd", "category"], "n_subjects", "n_evaluable")


def results_lab_shift() -> pd.DataFrame:
    """ALT at Week 2 and End of Treatment: baseline N or missing (NULL) to N or H."""
    counts = {  # (visit, visitn, baseline, post) -> subjects per arm
        ("Week 2", 2, "N", "N"): {"Placebo": 3, "Low": 2, "High": 1},
        ("Week 2", 2, "N", "H"): {"Placebo": 0, "Low": 1, "High": 2},
        ("Week 2", 2, None, "N"): {"Placebo": 1, "Low": 0, "High": 0},
        ("Week 2", 2, None, "H"): {"Placebo": 0, "Low": 0, "High": 0},
        ("End of Treatment", 99, "N", "N"): {"Placebo": 4, "Low": 2, "High": 0},
        ("End of Treatment", 99, "N", "H"): {"Placebo": 0, "Low": 1, "High": 2},
        ("End of Treatment", 99, None, "N"): {"Placebo": 0, "Low": 0, "High": 0},
        ("End of Treatment", 99, None, "H"): {"Placebo": 0, "Low": 0, "High": 0},
    }
    rows = []
    for (visit, vn, base, post), by_arm in counts.items():
        for a in ARMS:
            n_visit = sum(c[a] for k, c in counts.items() if k[1] == vn)
            rows.append(dict(studyid=STUDYID, parcat1="CHEMISTRY", paramcd="ALT",
                             param="Alanine Aminotransferase (U/L)", avisit=visit, avisitn=vn, arm=a, armn=ORDER[a],
                             baseline=base, post=post, n=by_arm[a], n_visit=n_visit,
                             pct=100.0 * by_arm[a] / n_visit if n_visit else None))
    return pd.DataFrame(rows)


def _by_visit(frame: pd.DataFrame, timepoint: bool) -> pd.DataFrame:
    """What results_lab_by_visit / results_vs_by_visit hold for a fixture fact: its analysis records
    of population subjects summarised per parameter (x timepoint) x visit x arm."""
    r = frame.loc[(frame["summfl"] == "Y") & (frame["anl01fl"] == "Y") & frame["avisit"].notna()
                  & frame["usubjid"].isin(list(SUBJECTS))].copy()
    r["arm"] = r["usubjid"].map(SUBJECTS)
    r["armn"] = r["arm"].map(ORDER)
    keys = ["studyid", "parcat1", "paramcd", "param"] + (["atptn", "atpt"] if timepoint else [])
    g = r.groupby(keys + ["avisitn", "avisit", "avisit_type", "arm", "armn"], dropna=False)
    out = g.agg(n=("aval", "size"), n_obs=("aval", "count"), mean=("aval", "mean"), sd=("aval", "std"),
                median=("aval", "median"), min=("aval", "min"), max=("aval", "max"), chg_n_obs=("chg", "count"),
                chg_mean=("chg", "mean"), chg_sd=("chg", "std"), chg_median=("chg", "median"),
                chg_min=("chg", "min"), chg_max=("chg", "max")).reset_index()
    out = out.rename(columns={"avisit_type": "visit_type"})
    post = out["visit_type"] == "post-baseline"
    out["se"] = out["sd"] / np.sqrt(out["n_obs"])
    out["chg_se"] = out["chg_sd"] / np.sqrt(out["chg_n_obs"])
    out["chg_n"] = out["n"].where(post).astype("Int64")
    for c in ("chg_n_obs", "chg_mean", "chg_sd", "chg_se", "chg_median", "chg_min", "chg_max"):
        out[c] = out[c].where(post)
    out["chg_n_obs"] = out["chg_n_obs"].astype("Int64")
    out["avalu"] = r["avalu"].iloc[0]
    out["decimals"] = 1
    return out


def results_lab_by_visit() -> pd.DataFrame:
    return _by_visit(fct_lab_result(), timepoint=False)


def results_vs_by_visit() -> pd.DataFrame:
    return _by_visit(fct_vital_sign(), timepoint=True)


def results_liver_injury() -> pd.DataFrame:
    """The subjects mart_liver_injury above flags, per criterion and arm, of those with the values
    the criterion needs."""
    liver = mart_liver_injury()
    has = {c: liver[f"peak_{c}_r2uln"].notna() for c in ("alt", "ast", "bili")}
    criteria = [  # key, label, evaluable, flag
        ("alt", "ALT > 3 x ULN", has["alt"], "alt_high_fl"),
        ("ast", "AST > 3 x ULN", has["ast"], "ast_high_fl"),
        ("altast", "ALT or AST > 3 x ULN", has["alt"] | has["ast"], "transaminase_high_fl"),
        ("bili", "Total bilirubin (BILI) > 2 x ULN", has["bili"], "bili_high_fl"),
        ("hyslaw", "Potential Hy's law (ALT or AST > 3 x ULN and BILI > 2 x ULN)", (has["alt"] | has["ast"])
         & has["bili"], "hyslaw_fl"),
    ]
    rows = []
    for order, (key, label, evaluable, flag) in enumerate(criteria, start=1):
        for a in ARMS:
            arm = liver["trt01a"] == a
            n_ev = int((arm & evaluable).sum())
            n = int((arm & evaluable & (liver[flag] == "Y")).sum())
            rows.append(dict(studyid=STUDYID, criterion=key, label=label, criterion_order=order, arm=a,
                             armn=ORDER[a], big_n=BIG_N[a], n_evaluable=n_ev, n_subjects=n,
                             pct=100.0 * n / n_ev if n_ev else None))
    out = _with_control(pd.DataFrame(rows), ["criterion"], "n_subjects", "n_evaluable")
    out["compare_to_control"] = out["arm"] != CONTROL  # every active arm is compared
    return out


def results_population() -> pd.DataFrame:
    return pd.DataFrame([dict(studyid=STUDYID, usubjid=s, arm=a, armn=ORDER[a], control=a == "Placebo")
                         for s, a in SUBJECTS.items()])


def results_big_n() -> pd.DataFrame:
    n = {a: sum(1 for v in SUBJECTS.values() if v == a) for a in ORDER}
    return pd.DataFrame([dict(studyid=STUDYID, arm=a, armn=o, control=a == "Placebo", big_n=n[a])
                         for a, o in ORDER.items()])


RESULTS = {
    "results_population": results_population,
    "results_big_n": results_big_n,
    "results_ae_soc_pt": results_ae_soc_pt,
    "results_ae_soc_pt_serious": results_ae_soc_pt_serious,
    "results_ae_overview": results_ae_overview,
    "results_ae_aesi": results_ae_aesi,
    "results_ae_soc_pt_severity": results_ae_soc_pt_severity,
    "results_ae_dose_window": results_ae_dose_window,
    "results_ae_risk_diff": results_ae_risk_diff,
    "results_demographics": results_demographics,
    "results_lab_nr_freq": results_lab_nr_freq,
    "results_lab_shift": results_lab_shift,
    "results_lab_thr_shift": results_lab_shift,
    "results_lab_by_visit": results_lab_by_visit,
    "results_vs_by_visit": results_vs_by_visit,
    "results_liver_injury": results_liver_injury,
}


MARTS = {
    "dim_subject": dim_subject,
    "fct_adverse_event": fct_adverse_event,
    "fct_lab_result": fct_lab_result,
    "fct_vital_sign": fct_vital_sign,
    "mart_liver_injury": mart_liver_injury,
}


def write_warehouse(path, study: str = STUDY) -> None:
    """A DuckDB file with the fixture marts and a load log (for the data snapshot)."""
    import duckdb

    from safety_warehouse.raw_loader import LOAD_LOG_DDL

    con = duckdb.connect(str(path))
    try:
        for schema in ("raw", "marts", "results", "reports"):
            con.execute(f"create schema if not exists {schema}")
        for schema, tables in (("marts", MARTS), ("results", RESULTS)):
            for name, make in tables.items():
                frame = make()
                con.register("frame", frame)
                con.execute(f"create or replace table {schema}.{name} as select * from frame")
                con.unregister("frame")
        con.execute(LOAD_LOG_DDL)
        for domain, sha in (("ae", "a" * 64), ("dm", "b" * 64)):
            con.execute("insert into raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?)",
                        [f"id-{domain}", study, STUDYID, domain, f"/x/{domain}.xpt", "xport", sha, 1, 1, ["A"],
                         "loaded", None])
    finally:
        con.close()


@dataclass
class Env:
    warehouse: Path
    outputs: Path
    studies: Path
    raw: Path


def make_env(base: Path, monkeypatch) -> Env:
    """The fixture study's warehouse, configuration and folders under `base`, pointed to by the
    SAFETY_* variables."""
    e = Env(warehouse=base / "wh.duckdb", outputs=base / "outputs", studies=base / "studies", raw=base / "raw")
    (e.studies / STUDY).mkdir(parents=True)
    (e.studies / STUDY / "study.yml").write_text(yaml.safe_dump(CONFIG, sort_keys=False))
    (e.raw / STUDY).mkdir(parents=True)
    write_warehouse(e.warehouse)
    monkeypatch.setenv("SAFETY_WAREHOUSE_DB", str(e.warehouse))
    monkeypatch.setenv("SAFETY_OUTPUTS_DIR", str(e.outputs))
    monkeypatch.setenv("SAFETY_STUDIES_DIR", str(e.studies))
    monkeypatch.setenv("SAFETY_RAW_DIR", str(e.raw))
    return e

"""Generate a complete simulated SDTM study from its design (`studies/<study>/design.yml`).

Domains: DM, EX (one record per administration), AE + SUPPAE (treatment-emergent flag), DS, SV,
LB and VS. Everything is drawn with numpy on whole arrays (subject x visit x test grids, masked
and flattened), never record by record. Randomness is keyed: subject-level draws come from one
generator seeded with `seed`; the findings domains are drawn per fixed-size block of subjects from
a generator seeded with (seed, domain, block), so LB can be written block by block with the same
result as at once, and the same seed gives byte-identical files.

`scale` K replicates the design's subjects K times (K x each arm's n, new USUBJIDs; injected
adverse events go to K x their number of subjects).
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from studygen.design import AeAfterDose, AeInWindow, Design, Test, _minutes
from studygen.writers import ParquetChunks, write_parquet, write_xpt, xpt_stamp

BLOCK = 1000  # subjects per findings block (fixed: part of what a seed means)
DOMAINS = ("dm", "ex", "ae", "suppae", "ds", "sv", "lb", "vs")
FORMATS = ("xpt", "parquet")


def _s(values) -> pa.Array:
    return pa.array(values, pa.string())


def _take(values: list, idx: np.ndarray) -> pa.Array:
    """A string column from a small list of values and an index per record."""
    return _s(values).take(pa.array(np.asarray(idx, dtype=np.int64)))


def _const(value: str | None, n: int) -> pa.Array:
    return _take([value], np.zeros(n, dtype=np.int64))


def _f(values) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.float64), pa.float64())


def _iso_minutes(base: np.ndarray, day_offset: np.ndarray, minute: np.ndarray) -> np.ndarray:
    stamp = base.astype("datetime64[m]") + day_offset.astype("timedelta64[D]") + minute.astype("timedelta64[m]")
    return np.datetime_as_string(stamp, unit="m")


def _iso_date(base: np.ndarray, day_offset: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(base + day_offset.astype("timedelta64[D]"), unit="D")


def _study_day(offset: np.ndarray) -> np.ndarray:
    """Days from the day-1 date -> SDTM study day (no day 0)."""
    return np.where(offset >= 0, offset + 1, offset)


def _choice(rng: np.random.Generator, probs: dict[str, float], n: int) -> tuple[list[str], np.ndarray]:
    keys = list(probs)
    p = np.array([probs[k] for k in keys], dtype=float)
    return keys, rng.choice(len(keys), size=n, p=p / p.sum())


def _seq(subject: np.ndarray) -> np.ndarray:
    """1-based sequence within subject, for records sorted by subject."""
    first = np.searchsorted(subject, subject, side="left")
    return np.arange(len(subject)) - first + 1


def _format(values: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """Each value with its test's number of decimals (one vectorised pass per distinct decimals)."""
    out = np.empty(len(values), dtype=object)
    for d in np.unique(decimals):
        sel = decimals == d
        out[sel] = np.char.mod(f"%.{int(d)}f", values[sel])
    return out


@dataclass
class Subjects:
    """Subject-level arrays (one entry per subject) and the subject x visit schedule."""

    n: int
    usubjid: np.ndarray
    arm: np.ndarray  # index into design.arms
    site: np.ndarray
    day1: np.ndarray  # datetime64[D] of study day 1
    offset: np.ndarray  # (S, V) days from day 1 of each visit
    minute: np.ndarray  # (S, V) minute of day of each visit
    attended: np.ndarray  # (S, V)
    dose_visit: np.ndarray  # (D,) visit index of each dose
    dosed: np.ndarray  # (S, D)
    dose_minute: np.ndarray  # (S, D) minute of day the infusion starts
    dose_length: np.ndarray  # (S, D) minutes the infusion lasts
    last_visit: np.ndarray  # (S,) index of the last attended visit
    dropped: np.ndarray  # (S,) left the study early
    extra: dict = field(default_factory=dict)


def _subjects(design: Design, rng: np.random.Generator, scale: int) -> Subjects:
    counts = np.array([a.n * scale for a in design.arms])
    n = int(counts.sum())
    arm = rng.permutation(np.repeat(np.arange(len(design.arms)), counts))
    site = rng.integers(0, len(design.sites), n)
    width = max(4, len(str(n)))
    number = np.char.zfill(np.arange(1, n + 1).astype(str), width)
    sites = np.array(design.sites)
    usubjid = np.char.add(np.char.add(np.char.add(design.studyid + "-", sites[site]), "-"), number)
    enrol = np.sort(rng.integers(0, design.enrolment_days, n))
    day1 = np.datetime64(design.study_start, "D") + enrol.astype("timedelta64[D]")

    visits = design.visits
    nv = len(visits)
    planned = np.array([v.day - 1 if v.day > 0 else v.day for v in visits])
    window = np.array([v.window for v in visits])
    jitter = np.floor(rng.random((n, nv)) * (2 * window + 1)).astype(int) - window
    first_dose = next(i for i, v in enumerate(visits) if v.dose)
    jitter[:, first_dose] = 0
    offset = planned + jitter
    # keep visits in order: each at least one day after the one before, day 1 fixed
    step = np.arange(nv)
    offset = np.maximum.accumulate(offset - step, axis=1) + step
    offset[:, first_dose] = 0  # day 1 stays day 1 (wide windows before it are clamped below)
    pre = planned < 0
    offset[:, pre] = np.minimum(offset[:, pre], -1 - (np.cumsum(pre[::-1])[::-1][pre] - 1))
    lo, hi = _minutes(design.visit_time.start), _minutes(design.visit_time.end)
    minute = rng.integers(lo, hi + 1, (n, nv))

    # dropouts leave after a random visit from the first dose to the last but one
    dropped = rng.random(n) < design.rates.dropout
    stay_to = np.full(n, nv - 1)
    if nv - 1 > first_dose:
        stay_to = np.where(dropped, rng.integers(first_dose, nv - 1, n), nv - 1)
    else:
        dropped[:] = False
    attended = step[None, :] <= stay_to[:, None]
    missable = np.array([v.missable and not v.dose and v.day != 1 for v in visits])
    missed = (rng.random((n, nv)) < design.rates.missed_visit) & missable[None, :]
    # the last visit a subject attends is never "missed": it is where they leave
    missed[np.arange(n), stay_to] = False
    attended &= ~missed
    last_visit = np.where(attended, step[None, :], -1).max(axis=1)

    dose_visit = np.array([i for i, v in enumerate(visits) if v.dose])
    dosed = attended[:, dose_visit]
    dlo, dhi = _minutes(design.dose_time.start), _minutes(design.dose_time.end)
    dose_minute = rng.integers(dlo, dhi + 1, (n, len(dose_visit)))
    # samples are drawn before the infusion: the dose starts at least 30 minutes after the visit time
    dose_minute = np.minimum(np.maximum(dose_minute, minute[:, dose_visit] + 30), 23 * 60)
    arm_lo = np.array([a.treatment.infusion_minutes[0] for a in design.arms])[arm]
    arm_hi = np.array([a.treatment.infusion_minutes[1] for a in design.arms])[arm]
    dose_length = arm_lo[:, None] + np.floor(
        rng.random((n, len(dose_visit))) * (arm_hi - arm_lo + 1)[:, None]).astype(int)
    return Subjects(n, usubjid, arm, site, day1, offset, minute, attended, dose_visit, dosed,
                    dose_minute, dose_length, last_visit, dropped)


# --------------------------------------------------------------------------- special-purpose domains

def _dm(design: Design, sub: Subjects, rng: np.random.Generator) -> pa.Table:
    n, demo = sub.n, design.demographics
    age = np.clip(np.round(rng.normal(demo.age_mean, demo.age_sd, n)), demo.age_min, demo.age_max)
    sex_keys, sex = _choice(rng, demo.sex, n)
    race_keys, race = _choice(rng, demo.race, n)
    eth_keys, eth = _choice(rng, demo.ethnic, n)
    idx = np.arange(n)
    first = sub.dose_visit[0]
    dosed_any = sub.dosed.any(axis=1)
    last_dose = np.where(sub.dosed, np.arange(sub.dosed.shape[1])[None, :], -1).max(axis=1)
    last_dose_c = np.maximum(last_dose, 0)
    ld_visit = sub.dose_visit[last_dose_c]
    end_min = sub.dose_minute[idx, last_dose_c] + sub.dose_length[idx, last_dose_c]
    rfst = _iso_minutes(sub.day1, sub.offset[:, first], sub.dose_minute[:, 0])
    rfxend = _iso_minutes(sub.day1, sub.offset[idx, ld_visit], end_min)
    rfend = _iso_date(sub.day1, sub.offset[idx, sub.last_visit])
    consent = sub.offset[:, 0] - rng.integers(0, 4, n)
    arms = design.arms
    return pa.table({
        "STUDYID": _const(design.studyid, n), "DOMAIN": _const("DM", n), "USUBJID": _s(sub.usubjid),
        "SUBJID": _s(np.char.rpartition(sub.usubjid, "-")[:, 2]),
        "RFSTDTC": _s(np.where(dosed_any, rfst, "")), "RFENDTC": _s(rfend),
        "RFXSTDTC": _s(np.where(dosed_any, rfst, "")), "RFXENDTC": _s(np.where(dosed_any, rfxend, "")),
        "RFICDTC": _s(_iso_date(sub.day1, consent)), "RFPENDTC": _s(rfend),
        "DTHDTC": _const("", n), "DTHFL": _const("", n),
        "SITEID": _take(design.sites, sub.site), "AGE": _f(age), "AGEU": _const("YEARS", n),
        "SEX": _take(sex_keys, sex), "RACE": _take(race_keys, race), "ETHNIC": _take(eth_keys, eth),
        "ARMCD": _take([a.armcd for a in arms], sub.arm), "ARM": _take([a.arm for a in arms], sub.arm),
        "ACTARMCD": _take([a.armcd for a in arms], sub.arm), "ACTARM": _take([a.arm for a in arms], sub.arm),
        "COUNTRY": _const(demo.country, n),
        "DMDTC": _s(_iso_date(sub.day1, sub.offset[:, 0])), "DMDY": _f(_study_day(sub.offset[:, 0])),
    })


def _ex(design: Design, sub: Subjects) -> pa.Table:
    s, d = np.nonzero(sub.dosed)
    v = sub.dose_visit[d]
    off = sub.offset[s, v]
    start = _iso_minutes(sub.day1[s], off, sub.dose_minute[s, d])
    end = _iso_minutes(sub.day1[s], off, sub.dose_minute[s, d] + sub.dose_length[s, d])
    tr = [a.treatment for a in design.arms]
    a = sub.arm[s]
    visits = design.visits
    m = len(s)
    return pa.table({
        "STUDYID": _const(design.studyid, m), "DOMAIN": _const("EX", m), "USUBJID": _s(sub.usubjid[s]),
        "EXSEQ": _f(_seq(s)), "EXTRT": _take([t.extrt for t in tr], a),
        "EXDOSE": _f(np.array([t.exdose for t in tr])[a]), "EXDOSU": _take([t.exdosu for t in tr], a),
        "EXDOSFRM": _take([t.exdosfrm for t in tr], a), "EXDOSFRQ": _take([t.exdosfrq for t in tr], a),
        "EXROUTE": _take([t.exroute for t in tr], a),
        "VISITNUM": _f(np.array([x.visitnum for x in visits])[v]), "VISIT": _take([x.visit for x in visits], v),
        "VISITDY": _f(np.array([x.day for x in visits])[v]),
        "EXSTDTC": _s(start), "EXENDTC": _s(end),
        "EXSTDY": _f(_study_day(off)), "EXENDY": _f(_study_day(off)),
    })


def _sv(design: Design, sub: Subjects) -> pa.Table:
    s, v = np.nonzero(sub.attended)
    dates = _iso_date(sub.day1[s], sub.offset[s, v])
    visits = design.visits
    m = len(s)
    return pa.table({
        "STUDYID": _const(design.studyid, m), "DOMAIN": _const("SV", m), "USUBJID": _s(sub.usubjid[s]),
        "VISITNUM": _f(np.array([x.visitnum for x in visits])[v]), "VISIT": _take([x.visit for x in visits], v),
        "VISITDY": _f(np.array([x.day for x in visits])[v]),
        "SVSTDTC": _s(dates), "SVENDTC": _s(dates),
    })


def _ds(design: Design, sub: Subjects) -> pa.Table:
    n = sub.n
    first = sub.dose_visit[0]
    # two records per subject: randomisation (day 1) and the end-of-study disposition
    s = np.repeat(np.arange(n), 2)
    kind = np.tile([0, 1], n)
    v = np.where(kind == 0, first, sub.last_visit[s])
    off = sub.offset[s, v]
    decod_idx = np.where(kind == 0, 0, np.where(sub.dropped[s], 2, 1))
    decods = ["RANDOMIZED", "COMPLETED", design.rates.dropout_reason]
    visits = design.visits
    dates = _iso_date(sub.day1[s], off)
    m = len(s)
    return pa.table({
        "STUDYID": _const(design.studyid, m), "DOMAIN": _const("DS", m), "USUBJID": _s(sub.usubjid[s]),
        "DSSEQ": _f(kind + 1), "DSTERM": _take(decods, decod_idx), "DSDECOD": _take(decods, decod_idx),
        "DSCAT": _take(["PROTOCOL MILESTONE", "DISPOSITION EVENT"], kind),
        "VISITNUM": _f(np.array([x.visitnum for x in visits])[v]), "VISIT": _take([x.visit for x in visits], v),
        "DSDTC": _s(dates), "DSSTDTC": _s(dates), "DSSTDY": _f(_study_day(off)),
    })


# --------------------------------------------------------------------------- adverse events

@dataclass
class _Events:
    subject: list = field(default_factory=list)
    term: list = field(default_factory=list)  # index into terms
    start: list = field(default_factory=list)  # datetime64[m]
    end: list = field(default_factory=list)
    timed: list = field(default_factory=list)  # onset recorded with its time of day
    sev: list = field(default_factory=list)
    rel: list = field(default_factory=list)


def _ae(design: Design, sub: Subjects, rng: np.random.Generator, scale: int) -> tuple[pa.Table, pa.Table]:
    terms: list[tuple[str, str, str]] = []
    sevs: list[str] = []
    rels: list[str] = []

    def code(lst: list, value) -> int:
        if value not in lst:
            lst.append(value)
        return lst.index(value)

    ev = _Events()
    day1m = sub.day1.astype("datetime64[m]")
    idx = np.arange(sub.n)
    last_off = sub.offset[idx, sub.last_visit]
    armcds = [a.armcd for a in design.arms]

    def add(s, t, start, end, timed, sev, rel):
        ev.subject.append(s)
        ev.term.append(np.full(len(s), t))
        ev.start.append(start)
        ev.end.append(end)
        ev.timed.append(np.full(len(s), timed))
        ev.sev.append(sev)
        ev.rel.append(rel)

    for b in design.background_aes:
        t = code(terms, (b.term, b.decod or b.term, b.soc))
        rate = np.array([b.rate.get(a, 0.0) if isinstance(b.rate, dict) else b.rate for a in armcds])[sub.arm]
        s = np.nonzero((rng.random(sub.n) < rate) & sub.dosed[:, 0])[0]
        onset = np.floor(rng.random(len(s)) * (last_off[s] + 1)).astype(int)
        length = np.ceil(rng.exponential(b.duration_days, len(s))).astype(int)
        start = sub.day1[s] + onset.astype("timedelta64[D]")
        sk, si = _choice(rng, b.severity, len(s))
        rk, ri = _choice(rng, b.related, len(s))
        add(s, t, start.astype("datetime64[m]"), (start + length.astype("timedelta64[D]")).astype("datetime64[m]"),
            False, np.array([code(sevs, k) for k in sk])[si] if len(s) else si,
            np.array([code(rels, k) for k in rk])[ri] if len(s) else ri)

    for e in design.effects.ae_after_dose:
        _after_dose(e, design, sub, rng, scale, add, code, terms, sevs, rels, day1m)
    for e in design.effects.ae_in_window:
        t = code(terms, (e.term, e.decod or e.term, e.soc))
        ok = sub.dosed[:, 0] & (_study_day(last_off) >= e.day_from)
        if e.armcd is not None:
            ok &= sub.arm == armcds.index(e.armcd)
        s = np.sort(rng.permutation(np.nonzero(ok)[0])[: e.subjects * scale])
        hi = np.minimum(e.day_to, _study_day(last_off[s]))
        day = e.day_from + np.floor(rng.random(len(s)) * (hi - e.day_from + 1)).astype(int)
        off = np.where(day > 0, day - 1, day)
        start = day1m[s] + off.astype("timedelta64[D]") + rng.integers(6 * 60, 22 * 60, len(s)).astype("timedelta64[m]")
        end = start + np.ceil(rng.exponential(e.duration_days, len(s)) * 24 * 60).astype("timedelta64[m]")
        add(s, t, start, end, True, np.full(len(s), code(sevs, e.severity)), np.full(len(s), code(rels, e.related)))

    cat = lambda parts, dtype=None: np.concatenate(parts) if parts else np.array([], dtype=dtype)  # noqa: E731
    s = cat(ev.subject, int)
    t = cat(ev.term, int)
    start = cat(ev.start, "datetime64[m]")
    end = cat(ev.end, "datetime64[m]")
    timed = cat(ev.timed, bool)
    sev, rel = cat(ev.sev, int), cat(ev.rel, int)
    order = np.lexsort((t, start, s))
    s, t, start, end, timed, sev, rel = (x[order] for x in (s, t, start, end, timed, sev, rel))
    m = len(s)
    start_txt = np.where(timed, np.datetime_as_string(start, unit="m"), np.datetime_as_string(start, unit="D"))
    end_txt = np.where(timed, np.datetime_as_string(end, unit="m"), np.datetime_as_string(end, unit="D"))
    st_off = (start.astype("datetime64[D]") - sub.day1[s]).astype(int)
    en_off = (end.astype("datetime64[D]") - sub.day1[s]).astype(int)
    seq = _seq(s)
    no = _const("N", m)
    ae = pa.table({
        "STUDYID": _const(design.studyid, m), "DOMAIN": _const("AE", m), "USUBJID": _s(sub.usubjid[s] if m else []),
        "AESEQ": _f(seq), "AESPID": _s(np.char.zfill(seq.astype(str), 3) if m else []),
        "AETERM": _take([x[0] for x in terms], t), "AEDECOD": _take([x[1] for x in terms], t),
        "AEBODSYS": _take([x[2] for x in terms], t), "AESOC": _take([x[2] for x in terms], t),
        "AESEV": _take(sevs, sev), "AESER": no, "AEACN": _const("DOSE NOT CHANGED", m),
        "AEREL": _take(rels, rel), "AEOUT": _const("RECOVERED/RESOLVED", m),
        "AESCONG": no, "AESDISAB": no, "AESDTH": no, "AESHOSP": no, "AESLIFE": no, "AESMIE": no,
        "AESTDTC": _s(start_txt), "AEENDTC": _s(end_txt),
        "AESTDY": _f(_study_day(st_off)), "AEENDY": _f(_study_day(en_off)),
    })
    first = sub.dose_visit[0]
    first_date = sub.day1[s] + sub.offset[s, first].astype("timedelta64[D]") if m else sub.day1[:0]
    teae = start.astype("datetime64[D]") >= first_date
    supp = pa.table({
        "STUDYID": _const(design.studyid, m), "RDOMAIN": _const("AE", m), "USUBJID": _s(sub.usubjid[s] if m else []),
        "IDVAR": _const("AESEQ", m), "IDVARVAL": _s(seq.astype(str)),
        "QNAM": _const("AETRTEM", m), "QLABEL": _const("TREATMENT EMERGENT FLAG", m),
        "QVAL": _take(["N", "Y"], teae.astype(int)), "QORIG": _const("DERIVED", m),
        "QEVAL": _const("CLINICAL STUDY SPONSOR", m),
    })
    return ae, supp


def _after_dose(e: AeAfterDose, design, sub, rng, scale, add, code, terms, sevs, rels, day1m) -> None:
    t = code(terms, (e.term, e.decod or e.term, e.soc))
    doses = np.array(e.doses) - 1
    armi = [a.armcd for a in design.arms].index(e.armcd)
    eligible = sub.dosed[:, doses]  # (S, k) the subject received that dose
    ok = (sub.arm == armi) & eligible.any(axis=1)
    s = np.sort(rng.permutation(np.nonzero(ok)[0])[: e.subjects * scale])
    # one of the listed doses the subject received, uniformly
    pick = eligible[s] * rng.random((len(s), len(doses)))
    d = doses[pick.argmax(axis=1)]
    v = sub.dose_visit[d]
    dose_start = day1m[s] + sub.offset[s, v].astype("timedelta64[D]") + sub.dose_minute[s, d].astype("timedelta64[m]")
    minutes = np.round((e.hours_from + rng.random(len(s)) * (e.hours_to - e.hours_from)) * 60).astype(int)
    # at least `next_day_at_least` onsets on a later calendar day than the infusion started
    dose_min = sub.dose_minute[s, d]
    to_midnight = 24 * 60 - dose_min + 30
    later = dose_min + minutes >= 24 * 60
    need = max(0, e.next_day_at_least * scale - int(later.sum()))
    if need:
        fixable = np.nonzero(~later & (to_midnight <= e.hours_to * 60))[0][:need]
        minutes[fixable] = np.maximum(to_midnight[fixable], int(np.ceil(e.hours_from * 60)))
    start = dose_start + minutes.astype("timedelta64[m]")
    lo, hi = e.duration_hours
    end = start + np.round((lo + rng.random(len(s)) * (hi - lo)) * 60).astype("timedelta64[m]")
    add(s, t, start, end, True, np.full(len(s), code(sevs, e.severity)), np.full(len(s), code(rels, e.related)))


# --------------------------------------------------------------------------- findings (LB, VS)

def _findings(design: Design, sub: Subjects, tests: list[Test], prefix: str, domain_flag: str,
              not_done: float, seed: int, lo: int, hi: int, shifts: np.ndarray | None) -> pa.Table:
    """The records of subjects lo..hi-1 as one table, ordered by subject, test and visit."""
    rng = np.random.default_rng([seed, zlib.crc32(prefix.encode()), lo // BLOCK])
    visits = design.visits
    nv, nt, ns = len(visits), len(tests), hi - lo
    vnums = np.array([v.visitnum for v in visits])
    flag = np.array([getattr(v, domain_flag) for v in visits])
    applies = np.array([[flag[j] and (t.visits is None or visits[j].visitnum in t.visits) for j in range(nv)]
                        for t in tests])  # (T, V)
    mean = np.array([t.mean for t in tests])[None, :, None]
    sd = np.array([t.sd for t in tests])[None, :, None]
    share = np.array([t.subject_share for t in tests])[None, :, None]
    between = rng.standard_normal((ns, nt, 1))
    within = rng.standard_normal((ns, nt, nv))
    value = mean + sd * (np.sqrt(share) * between + np.sqrt(1 - share) * within)
    if shifts is not None:
        value = value + shifts[sub.arm[lo:hi]]  # (S, T, V)
    floor = np.array([t.minimum for t in tests])[None, :, None]
    dec = np.array([t.decimals for t in tests])
    scale10 = (10.0 ** dec)[None, :, None]
    value = np.round(np.maximum(value, floor + 1 / scale10) * scale10) / scale10
    nd = rng.random((ns, nt, nv)) < not_done
    present = sub.attended[lo:hi][:, None, :] & applies[None, :, :]
    # baseline: the last record done on or before day 1 (samples precede the first infusion)
    pre = np.array([v.day <= 1 for v in visits])
    cand = present & ~nd & pre[None, None, :]
    bl_visit = np.where(cand, np.arange(nv)[None, None, :], -1).max(axis=2)
    s, t, v = np.nonzero(present)
    m = len(s)
    val = value[s, t, v]
    notdone = nd[s, t, v]
    baseline = (bl_visit[s, t] == v) & ~notdone
    text = _format(val, dec[t])
    text[notdone] = None
    gs = s + lo
    off = sub.offset[gs, v]
    P = prefix
    units = [x.unit for x in tests]
    cols = {
        "STUDYID": _const(design.studyid, m), "DOMAIN": _const(P, m), "USUBJID": _s(sub.usubjid[gs]),
        f"{P}SEQ": _f(_seq(s)), f"{P}TESTCD": _take([x.testcd for x in tests], t),
        f"{P}TEST": _take([x.test for x in tests], t),
    }
    if P == "LB":
        cols["LBCAT"] = _take([x.category for x in tests], t)
    cols[f"{P}ORRES"] = _s(text)
    cols[f"{P}ORRESU"] = _take(units, t)
    lows = np.array([np.nan if x.low is None else x.low for x in tests])
    highs = np.array([np.nan if x.high is None else x.high for x in tests])
    if P == "LB":
        cols["LBORNRLO"], cols["LBORNRHI"] = _f(lows[t]), _f(highs[t])
    cols[f"{P}STRESC"] = _s(text)
    cols[f"{P}STRESN"] = _f(np.where(notdone, np.nan, val))
    cols[f"{P}STRESU"] = _take(units, t)
    if P == "LB":
        cols["LBSTNRLO"], cols["LBSTNRHI"] = _f(lows[t]), _f(highs[t])
        ind = np.where(val < lows[t], 1, np.where(val > highs[t], 2, 3))
        ind[notdone | (np.isnan(lows[t]) & np.isnan(highs[t]))] = 0
        cols["LBNRIND"] = _take([None, "LOW", "HIGH", "NORMAL"], ind)
    cols[f"{P}STAT"] = _take([None, "NOT DONE"], notdone.astype(int))
    cols[f"{P}BLFL"] = _take([None, "Y"], baseline.astype(int))
    cols["VISITNUM"] = _f(vnums[v])
    cols["VISIT"] = _take([x.visit for x in visits], v)
    cols["VISITDY"] = _f(np.array([x.day for x in visits])[v])
    cols[f"{P}DTC"] = _s(_iso_minutes(sub.day1[gs], off, sub.minute[gs, v]))
    cols[f"{P}DY"] = _f(_study_day(off))
    return pa.table(cols)


def _lab_shifts(design: Design) -> np.ndarray | None:
    if not design.effects.lab_shifts:
        return None
    codes = [t.testcd for t in design.labs]
    armcds = [a.armcd for a in design.arms]
    vnums = [v.visitnum for v in design.visits]
    out = np.zeros((len(armcds), len(codes), len(vnums)))
    for e in design.effects.lab_shifts:
        ti = codes.index(e.testcd)
        amount = e.shift if e.shift is not None else e.shift_sd * design.labs[ti].sd
        for vn in e.visits:
            out[armcds.index(e.armcd), ti, vnums.index(vn)] += amount
    return out


# --------------------------------------------------------------------------- the study

def generate(design: Design, out: Path, seed: int = 0, scale: int = 1, fmt: str = "xpt") -> dict[str, int]:
    """Write every domain of the simulated study to `out`; returns rows per domain."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale}")
    out.mkdir(parents=True, exist_ok=True)
    for name in DOMAINS:  # one file per domain: drop the other formats' files of what is rewritten
        for ext in ("xpt", "parquet", "csv"):
            old = out / f"{name}.{ext}"
            if ext != fmt and old.exists():
                old.unlink()
    rng = np.random.default_rng(seed)
    sub = _subjects(design, rng, scale)
    stamp = xpt_stamp(design.study_start)
    rows: dict[str, int] = {}

    def write(name: str, table: pa.Table) -> None:
        path = out / f"{name}.{fmt}"
        if fmt == "parquet":
            write_parquet(table, path)
        else:
            write_xpt(table, path, name, stamp)
        rows[name] = table.num_rows

    write("dm", _dm(design, sub, rng))
    write("ex", _ex(design, sub))
    ae, supp = _ae(design, sub, rng, scale)
    write("ae", ae)
    write("suppae", supp)
    write("ds", _ds(design, sub))
    write("sv", _sv(design, sub))
    shifts = _lab_shifts(design)
    for name, tests, flag, rate, sh in (("lb", design.labs, "labs", design.rates.lab_not_done, shifts),
                                        ("vs", design.vitals, "vitals", design.rates.vs_not_done, None)):
        if not tests:
            continue
        blocks = ((lo, min(lo + BLOCK, sub.n)) for lo in range(0, sub.n, BLOCK))
        if fmt == "parquet":
            writer = ParquetChunks(out / f"{name}.parquet")
            total = 0
            for lo, hi in blocks:
                table = _findings(design, sub, tests, name.upper(), flag, rate, seed, lo, hi, sh)
                writer.write(table)
                total += table.num_rows
            writer.close()
            rows[name] = total
        else:  # XPORT is written whole
            parts = [_findings(design, sub, tests, name.upper(), flag, rate, seed, lo, hi, sh) for lo, hi in blocks]
            write(name, pa.concat_tables(parts))
    return rows

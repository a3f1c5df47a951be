"""The study generator (studygen): determinism, design validation, the SDTM conventions of what it
writes, the injected effects recovered from the generated raw data, and the scale option."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from safety_warehouse import paths
from studygen import DesignError, generate, load_design, validate_design
from studygen.generate import DOMAINS

DESIGN_FILE = paths.PROJECT_ROOT / "studies" / "hucmsc_t2dm" / "design.yml"
COMMITTED = paths.PROJECT_ROOT / "data" / "raw" / "hucmsc_t2dm"
COMMITTED_SEED = 99  # the seed of data/raw/hucmsc_t2dm (studies/hucmsc_t2dm/design.yml says why)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _read(folder: Path, domain: str) -> pd.DataFrame:
    parquet, xpt = folder / f"{domain}.parquet", folder / f"{domain}.xpt"
    if parquet.exists():
        return pd.read_parquet(parquet)
    import pyreadstat

    return pyreadstat.read_xport(str(xpt))[0]


@pytest.fixture(scope="module")
def design():
    return load_design(DESIGN_FILE)


@pytest.fixture(scope="module")
def study(design, tmp_path_factory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("hucmsc")
    generate(design, out, seed=COMMITTED_SEED, fmt="parquet")
    return {d: _read(out, d) for d in DOMAINS}


# --------------------------------------------------------------------------- determinism

@pytest.mark.parametrize("fmt", ["xpt", "parquet"])
def test_same_seed_gives_identical_bytes(design, tmp_path, fmt):
    generate(design, tmp_path / "a", seed=7, fmt=fmt)
    time.sleep(1.1)  # XPORT headers carry a time stamp to the second: it must not leak in
    generate(design, tmp_path / "b", seed=7, fmt=fmt)
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert sorted(a) == sorted(f"{d}.{fmt}" for d in DOMAINS)
    assert a == b


@pytest.mark.parametrize("fmt", ["xpt", "parquet"])
def test_different_seed_gives_different_data(design, tmp_path, fmt):
    generate(design, tmp_path / "a", seed=7, fmt=fmt)
    generate(design, tmp_path / "b", seed=8, fmt=fmt)
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert a["lb." + fmt] != b["lb." + fmt] and a["dm." + fmt] != b["dm." + fmt]


def test_committed_feeds_are_what_the_generator_writes(design, tmp_path):
    generate(design, tmp_path, seed=COMMITTED_SEED, fmt="parquet")
    assert _digests(tmp_path) == _digests(COMMITTED)


def test_switching_format_leaves_one_file_per_domain(design, tmp_path):
    generate(design, tmp_path, seed=1, fmt="xpt")
    generate(design, tmp_path, seed=1, fmt="parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{d}.parquet" for d in DOMAINS)


# --------------------------------------------------------------------------- design validation

def _data() -> dict:
    return yaml.safe_load(DESIGN_FILE.read_text())


def test_the_design_is_marked_simulated_and_cites_its_source(design):
    assert design.simulated is True
    assert "World J Clin Cases" in design.source
    assert "SIMULATED" in DESIGN_FILE.read_text().splitlines()[0]


@pytest.mark.parametrize("edit, expected", [
    (lambda d: d.update(simulated=False), "design.yml: simulated: expected one of True"),
    (lambda d: d.pop("studyid"), "design.yml: studyid: required key is missing"),
    (lambda d: d["arms"][0].update(n="many"), "design.yml: arms[0].n: expected an integer, got 'many'"),
    (lambda d: d["rates"].update(dropuot=0.1), "design.yml: rates.dropuot: unknown key (known keys: missed_visit"),
    (lambda d: d["labs"][0].update(low=10, high=1), "design.yml: labs[0]: low (10) is not below high (1)"),
    (lambda d: d["visits"][0].update(day=0), "design.yml: visits[0].day: study day 0 does not exist"),
    (lambda d: d["effects"]["lab_shifts"][0].update(testcd="XYZ"),
     "design.yml: effects.lab_shifts[0]: testcd 'XYZ' is not in labs"),
    (lambda d: d["effects"]["ae_after_dose"][0].update(doses=[2, 5]),
     "design.yml: effects.ae_after_dose[0]: doses [5] outside 1..3"),
    (lambda d: d["effects"]["lab_shifts"][0].update(shift=1.0),
     "design.yml: effects.lab_shifts[0]: give exactly one of shift_sd and shift"),
])
def test_design_errors_name_the_file_the_key_and_the_problem(edit, expected):
    data = _data()
    edit(data)
    with pytest.raises(DesignError) as exc:
        validate_design(data, "studies/hucmsc_t2dm/design.yml")
    assert expected in str(exc.value), str(exc.value)


def test_a_missing_design_file_is_named(tmp_path):
    with pytest.raises(DesignError, match="no design file"):
        load_design(tmp_path / "studies" / "x" / "design.yml")


# --------------------------------------------------------------------------- SDTM conventions

def test_ex_has_one_record_per_administration_with_time_of_day(study, design):
    ex, dm = study["ex"], study["dm"]
    assert ex.groupby("USUBJID").size().max() == sum(v.dose for v in design.visits)
    assert ex.EXSTDTC.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d").all()
    assert (pd.to_datetime(ex.EXENDTC) > pd.to_datetime(ex.EXSTDTC)).all()
    first = ex[ex.EXSEQ == 1].set_index("USUBJID").EXSTDTC
    assert (dm.set_index("USUBJID").RFXSTDTC.loc[first.index] == first).all()


def test_lb_ranges_indicators_baseline_and_not_done(study, design):
    lb = study["lb"]
    done = lb[lb.LBSTAT.isna()]
    assert done.LBSTRESN.notna().all() and done.LBORRES.notna().all()
    nd = lb[lb.LBSTAT == "NOT DONE"]
    assert len(nd) > 0
    assert nd.LBORRES.isna().all() and nd.LBSTRESC.isna().all() and nd.LBSTRESN.isna().all()
    assert nd.LBNRIND.isna().all() and nd.LBBLFL.isna().all()
    expected = np.where(done.LBSTRESN < done.LBSTNRLO, "LOW",
                        np.where(done.LBSTRESN > done.LBSTNRHI, "HIGH", "NORMAL"))
    assert (done.LBNRIND.to_numpy() == expected).all()
    # one baseline per subject and test, at a visit on or before day 1
    bl = lb[lb.LBBLFL == "Y"]
    assert not bl.duplicated(["USUBJID", "LBTESTCD"]).any()
    pre = {v.visitnum for v in design.visits if v.day <= 1}
    assert bl.VISITNUM.isin(pre).all()
    # codes, units and the unitless INR
    assert set(lb.LBTESTCD) == {t.testcd for t in design.labs}
    assert lb.loc[lb.LBTESTCD == "INR", "LBSTRESU"].isna().all()
    assert lb.loc[lb.LBTESTCD == "HGB", "LBSTRESU"].eq("g/L").all()
    assert not lb.LBTESTCD.eq("NLR").any()  # derived in dbt, not delivered
    assert lb.LBDTC.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d").all()
    assert not lb.duplicated(["USUBJID", "LBSEQ"]).any()


def test_visits_missed_and_dropouts_are_consistent(study):
    sv, ds, dm = study["sv"], study["ds"], study["dm"]
    assert set(sv.USUBJID) == set(dm.USUBJID)
    disp = ds[ds.DSCAT == "DISPOSITION EVENT"]
    assert len(disp) == len(dm) and set(disp.DSDECOD) <= {"COMPLETED", "WITHDRAWAL BY SUBJECT"}
    lb_visits = study["lb"][["USUBJID", "VISITNUM"]].drop_duplicates()
    attended = sv[["USUBJID", "VISITNUM"]].drop_duplicates()
    assert len(lb_visits.merge(attended)) == len(lb_visits)  # no lab record at a visit not attended


# --------------------------------------------------------------------------- injected effects

def _arm_means(study, testcd: str) -> pd.DataFrame:
    """Mean change from baseline (the LBBLFL record) by post-baseline visit and arm."""
    lb = study["lb"].merge(study["dm"][["USUBJID", "ARMCD"]])
    sel = lb[(lb.LBTESTCD == testcd) & lb.LBSTRESN.notna()]
    base = sel[sel.LBBLFL == "Y"].set_index("USUBJID").LBSTRESN
    post = sel[(sel.VISITDY > 1) & sel.USUBJID.isin(base.index)]
    post = post.assign(chg=post.LBSTRESN.to_numpy() - base.loc[post.USUBJID].to_numpy())
    return post.groupby(["VISITNUM", "ARMCD"]).chg.mean().unstack()


def _sd(design, testcd: str) -> float:
    return next(t.sd for t in design.labs if t.testcd == testcd)


@pytest.mark.parametrize("testcd, visits, sign", [
    ("LYM", [4, 5], -1), ("TT", [4], -1), ("PLAT", [5], +1), ("FIBRINO", [4, 5], +1),
    ("IGA", [3, 4, 5, 6], +1), ("IGG", [3, 4, 5, 6], +1), ("IGM", [3, 4, 5, 6], +1),
    ("DDIMER", [3, 4, 5, 6, 7, 8], +1),
])
def test_lab_shifts_are_recovered_in_the_raw_data(study, design, testcd, visits, sign):
    means = _arm_means(study, testcd)
    sd = _sd(design, testcd)
    diff = (means["MSC"] - means["PBO"]) / sd
    for v in visits:
        assert sign * diff.loc[v] > 1.0, (testcd, v, diff.to_dict())
    others = [v for v in diff.index if v not in visits]
    assert (diff.loc[others].abs() < 1.0).all(), (testcd, diff.to_dict())


@pytest.mark.parametrize("testcd", ["AFP", "CEA", "CA199", "CHOL", "TRIG", "HDL", "LDL", "ALT", "AST", "BILI"])
def test_unshifted_tests_show_no_large_difference(study, design, testcd):
    diff = (_arm_means(study, testcd).pipe(lambda m: m["MSC"] - m["PBO"])) / _sd(design, testcd)
    assert (diff.abs() < 1.0).all(), diff.to_dict()


def test_pyrexia_within_hours_after_the_second_or_third_infusion(study):
    ae, ex, dm = study["ae"], study["ex"], study["dm"]
    arm = dm.set_index("USUBJID").ARMCD
    fever = ae[ae.AEDECOD == "PYREXIA"]
    assert fever.USUBJID.nunique() == len(fever) == 4
    assert set(arm.loc[fever.USUBJID]) == {"MSC"}
    assert set(fever.AEBODSYS) == {"GENERAL DISORDERS AND ADMINISTRATION SITE CONDITIONS"}
    onset = pd.to_datetime(fever.set_index("USUBJID").AESTDTC)
    doses = ex.assign(start=pd.to_datetime(ex.EXSTDTC))
    next_day = 0
    for subject, when in onset.items():
        mine = doses[doses.USUBJID == subject]
        before = mine[mine.start <= when].sort_values("start").iloc[-1]
        hours = (when - before.start).total_seconds() / 3600
        assert before.EXSEQ in (2, 3) and 12 <= hours <= 20, (subject, before.EXSEQ, hours)
        next_day += when.date() > before.start.date()
    assert next_day >= 1  # the infusion started the calendar day before the fever


def test_one_hypoglycaemia_in_the_first_month_no_serious_events_background_in_both_arms(study):
    ae, dm, ex = study["ae"], study["dm"], study["ex"]
    hypo = ae[ae.AEDECOD == "HYPOGLYCAEMIA"]
    assert len(hypo) == 1
    first = pd.to_datetime(ex[ex.EXSEQ == 1].set_index("USUBJID").EXSTDTC)
    day = (pd.to_datetime(hypo.AESTDTC.iloc[0]).normalize() - first.loc[hypo.USUBJID.iloc[0]].normalize()).days + 1
    assert 1 <= day <= 28
    assert (ae.AESER == "N").all()
    background = ae[~ae.AEDECOD.isin(["PYREXIA", "HYPOGLYCAEMIA"])].merge(dm[["USUBJID", "ARMCD"]])
    assert set(background.ARMCD) == {"MSC", "PBO"}
    supp = study["suppae"]
    assert len(supp) == len(ae) and set(supp.QNAM) == {"AETRTEM"}


# --------------------------------------------------------------------------- scale

def test_scale_replicates_the_subjects_with_new_ids(design, tmp_path):
    rows = generate(design, tmp_path, seed=3, scale=4, fmt="parquet")
    dm = pd.read_parquet(tmp_path / "dm.parquet")
    assert rows["dm"] == len(dm) == 4 * 34
    assert dm.USUBJID.is_unique
    assert dm.ARMCD.value_counts().to_dict() == {"MSC": 96, "PBO": 40}
    one = generate(design, tmp_path / "one", seed=3, scale=1, fmt="parquet")
    assert 3.6 * one["lb"] < rows["lb"] < 4.4 * one["lb"]
    assert rows["ex"] <= 4 * 34 * 3
    ae = pd.read_parquet(tmp_path / "ae.parquet")
    assert (ae.AEDECOD == "PYREXIA").sum() == 16  # the injected events scale with the subjects
    lb = pd.read_parquet(tmp_path / "lb.parquet")
    assert len(lb) == rows["lb"] and not lb.duplicated(["USUBJID", "LBSEQ"]).any()


def test_generate_command_prints_one_summary_line(tmp_path, capsys):
    from orchestration.cli import main

    assert main(["generate", "hucmsc_t2dm", "--seed", "2", "--out", str(tmp_path), "--format", "parquet"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("generated hucmsc_t2dm (simulated; seed 2, scale 1): 34 subjects")
    assert (tmp_path / "lb.parquet").exists()


def test_generate_command_reports_a_bad_design(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "studies" / "bad"
    folder.mkdir(parents=True)
    data = _data()
    data["arms"][0]["n"] = 0
    (folder / "design.yml").write_text(yaml.safe_dump(data))
    monkeypatch.setenv("SAFETY_STUDIES_DIR", str(tmp_path / "studies"))
    from orchestration.cli import main

    assert main(["generate", "bad", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "studies/bad/design.yml: arms[0].n:" in err

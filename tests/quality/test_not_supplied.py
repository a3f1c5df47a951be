"""A raw domain a study does not deliver: its rules are skipped as not supplied for that study, the
same whether the raw table does not exist yet or another study has already created it."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from expectations import catalogue
from safety_warehouse import paths
from safety_warehouse.quality.runner import QualitySession

STUDY = "hucmsc_t2dm"  # delivers no SUPPLB; the pilot does


@pytest.fixture()
def raw_root(tmp_path, monkeypatch):
    root = tmp_path / "raw"
    shutil.copytree(paths.PROJECT_ROOT / "data" / "raw" / STUDY, root / STUDY)
    monkeypatch.setenv("SAFETY_RAW_DIR", str(root))
    return root


def _db(tmp_path, with_supplb: bool):
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema raw")
    if with_supplb:
        con.execute("""create table raw.supplb as select 'CDISCPILOT01' as STUDYID, 'LB' as RDOMAIN,
                       '01-701-1015' as USUBJID, 'LBSEQ' as IDVAR, '1' as IDVARVAL, 'LBTMSHI' as QNAM,
                       'X' as QLABEL, '0.8' as QVAL, 'DERIVED' as QORIG, '' as QEVAL""")
    con.close()
    return db


@pytest.mark.parametrize("with_supplb", [False, True], ids=["table-missing", "table-of-another-study"])
def test_domain_not_supplied_is_skipped(tmp_path, raw_root, with_supplb):
    session = QualitySession("run-1", db=_db(tmp_path, with_supplb), docs_dir=tmp_path / "docs", build_docs=False)
    run = session.validate("raw.supplb", STUDY)
    assert run.results and len(run.results) == len(catalogue.rules_for("raw.supplb"))
    assert {r.status for r in run.results.values()} == {"not_supplied"}
    assert all(r.passed and not r.evaluated for r in run.results.values())
    assert all("not supplied" in r.detail and "SUPPLB" in r.detail for r in run.results.values())


def test_a_supplied_domain_is_still_validated(tmp_path, raw_root):
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema raw")
    con.execute("create table raw.dm as select 'HUCMSC-T2DM' as STUDYID, 'DM' as DOMAIN, 'X-1' as USUBJID")
    con.close()
    session = QualitySession("run-1", db=db, docs_dir=tmp_path / "docs", build_docs=False)
    run = session.validate("raw.dm", STUDY, {"DM-REQ-VARS"})
    assert run.results["DM-REQ-VARS"].status == "failed"  # SUBJID, SEX, ... are missing: checked, not skipped

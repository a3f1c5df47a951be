"""A study that lacks optional variables, supplemental qualifiers, whole domains and most of its
configuration still builds: the missing columns and tables come out NULL / empty."""

from __future__ import annotations

import duckdb


def test_models_build_without_optional_variables_and_domains(dbt_warehouse, tmp_path):
    db = tmp_path / "minimal.duckdb"
    con = duckdb.connect(str(db))
    try:
        con.execute(f"attach '{dbt_warehouse.path}' as pilot (read_only)")
        con.execute("create schema raw")
        con.execute("""create table raw.dm as
            select STUDYID, DOMAIN, USUBJID, SUBJID, SITEID, ARM, ARMCD, ACTARM, ACTARMCD, AGE, SEX, _load_id
            from pilot.raw.dm order by USUBJID limit 10""")
        # no AESPID, AESER, AEENDTC ...; no SUPPAE, LB, VS, EX, SV, DS; only cfg_study
        con.execute("""create table raw.ae as
            select STUDYID, DOMAIN, USUBJID, AESEQ, AETERM, AEDECOD, AESTDTC, _load_id
            from pilot.raw.ae where USUBJID in (select USUBJID from raw.dm)""")
        con.execute("create table raw.cfg_study as select * from pilot.raw.cfg_study")
        (n_ae,) = con.execute("select count(*) from raw.ae").fetchone()
    finally:
        con.close()

    result = dbt_warehouse.dbt("run", warehouse=db, tmp=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]

    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("""select count(*), count(aespid), count(aetrtem), count(aeser)
                              from staging.stg_ae""").fetchone() == (n_ae, 0, 0, 0)
        assert con.execute("select count(*) from marts.dim_subject").fetchone() == (10,)
        assert con.execute("select count(*) from marts.fct_adverse_event").fetchone() == (n_ae,)
        assert con.execute("select count(*) from marts.fct_lab_result").fetchone() == (0,)
        assert con.execute("select count(*) from marts.fct_vital_sign").fetchone() == (0,)
    finally:
        con.close()

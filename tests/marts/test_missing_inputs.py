"""A study that lacks optional variables, supplemental qualifiers, whole domains and most of its
configuration still builds: the missing columns and tables come out NULL / empty, and the sections
its study.yml leaves out are published with the model's defaults."""

from __future__ import annotations

import duckdb

from safety_reports.config import ReportConfig
from safety_warehouse.study_config import publish_config
from safety_warehouse.study_model import validate_study


def test_models_build_without_optional_variables_and_domains(dbt_warehouse, tmp_path):
    db = tmp_path / "minimal.duckdb"
    con = duckdb.connect(str(db))
    try:
        con.execute(f"attach '{dbt_warehouse.path}' as pilot (read_only)")
        con.execute("create schema raw")
        con.execute("""create table raw.dm as
            select STUDYID, DOMAIN, USUBJID, SUBJID, SITEID, ARM, ARMCD, ACTARM, ACTARMCD, AGE, SEX, _load_id
            from pilot.raw.dm order by USUBJID limit 10""")
        # no AESPID, AESER, AEENDTC ...; no SUPPAE, LB, VS, EX, SV, DS; a study.yml of study and studyid only
        con.execute("""create table raw.ae as
            select STUDYID, DOMAIN, USUBJID, AESEQ, AETERM, AEDECOD, AESTDTC, _load_id
            from pilot.raw.ae where USUBJID in (select USUBJID from raw.dm)""")
        (study, studyid) = con.execute("select study, studyid from pilot.raw.cfg_study").fetchone()
        config = validate_study({"study": study, "studyid": studyid,
                                 "arms": [{"arm": "Placebo", "control": True}, {"arm": "Active"}]})
        publish_config(con, config)
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
        # the defaults dbt applied are the ones the reports use: one home, the study model
        report = ReportConfig.from_study(config)
        assert con.execute("""select lab_threshold_low_factor, lab_threshold_high_factor, eot_avisit,
                                     liver_transaminase_factor, liver_bilirubin_factor, analysis_arm_variable
                              from staging.stg_config__study""").fetchone() == (
            report.threshold_low_factor, report.threshold_high_factor, report.eot_avisit,
            report.transaminase_factor, report.bilirubin_factor, config.settings.analysis_arm_variable)
    finally:
        con.close()

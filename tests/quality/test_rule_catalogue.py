"""The rule catalogue (expectations/rules.yml) is complete and consistent."""

from __future__ import annotations

import re

import pytest

from expectations import catalogue
from expectations.checks import load_settings

RAW_DOMAINS = ["ae", "suppae", "dm", "ds", "ex", "sv", "lb", "supplb", "vs"]


def test_one_suite_per_raw_domain_and_none_for_marts():
    """Marts are checked by their dbt tests (one quality system per layer), never by the catalogue."""
    targets = {r.target for r in catalogue.rules()}
    assert targets == {f"raw.{d}" for d in RAW_DOMAINS}
    assert {t.layer for t in catalogue.targets().values()} == {"raw"}


def test_the_catalogue_refuses_mart_tables(tmp_path):
    rules = tmp_path / "rules.yml"
    rules.write_text("""
tables:
  marts:
    dim_subject: {key: null}
templates: []
""")
    with pytest.raises(catalogue.CatalogueError, match="raw feeds only"):
        catalogue.targets(rules)


def test_every_rule_is_complete():
    for r in catalogue.rules():
        assert re.fullmatch(r"[A-Z0-9_]+(-[A-Za-z0-9_]+)+", r.id), r.id
        assert r.severity in ("ERROR", "WARN")
        assert len(r.message) > 30, r.id
        assert r.reference, r.id
        assert r.engine in ("gx", "gx-sql", "sql")
        assert re.fullmatch(r"[A-Za-z0-9_]+", r.check_name)


def test_rule_ids_are_unique():
    ids = [r.id for r in catalogue.rules()]
    assert len(ids) == len(set(ids))
    names = [r.check_name for r in catalogue.rules()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("template, domains", [
    ("{D}-REQ-VARS", ["AE", "DM", "DS", "EX", "SV", "LB", "VS", "SUPPAE", "SUPPLB"]),
    ("{D}-DTC-ISO8601", ["AE", "DM", "DS", "EX", "SV", "LB", "VS"]),
    ("{D}-SUBJECT-IN-DM", ["AE", "DS", "EX", "SV", "LB", "VS", "SUPPAE", "SUPPLB"]),
    ("{D}-VISIT-IN-SV", ["LB", "VS", "EX", "DS"]),
    ("{D}-SEQ-UNIQUE", ["AE", "DS", "EX", "LB", "VS"]),
    ("{D}-STRESU-CONSISTENT", ["LB", "VS"]),
    ("{D}-STRESN-MATCHES-STRESC", ["LB", "VS"]),
    ("{D}-STRESN-PLAUSIBLE", ["LB", "VS"]),
    ("{D}-ENDTC-NOT-BEFORE-STDTC", ["AE", "EX", "SV", "DM"]),
])
def test_templates_expand_to_every_domain(template, domains):
    ids = {r.id for r in catalogue.rules()}
    for d in domains:
        assert template.replace("{D}", d) in ids


def test_controlled_terminology_rules_cover_the_required_variables():
    ct = {(r.table, r.params["column"]) for r in catalogue.rules() if r.check == "in_set"}
    for table, column in [("ae", "AESEV"), ("ae", "AESER"), ("ae", "AEREL"), ("ae", "AEOUT"), ("ae", "AEACN"),
                          ("ae", "AESCAN"), ("ae", "AESDTH"), ("ae", "AESHOSP"), ("lb", "LBNRIND"), ("lb", "LBBLFL"),
                          ("dm", "SEX"), ("dm", "RACE"), ("dm", "ETHNIC"), ("dm", "ARMCD"), ("dm", "AGEU"),
                          ("dm", "DTHFL"), ("ds", "DSDECOD"), ("ds", "DSCAT"), ("vs", "VSTESTCD"), ("vs", "VSPOS"),
                          ("vs", "VSSTAT"), ("vs", "VSBLFL")]:
        assert (table, column) in ct
    assert catalogue.rule("DM-ARM-CT").check == "row"
    assert catalogue.rule("SUPPAE-AETRTEM-CT").target == "raw.suppae"
    codelists = catalogue.cdisc_terminology()
    for r in catalogue.rules():
        if r.check == "in_set" and "codelist" in r.params:
            assert r.params["codelist"] in codelists, r.id


def test_dbt_models_do_not_repeat_terminology():
    """Controlled terminology has one home (terminology.yml + the study's quality.yml, checked on the
    raw feeds): no dbt model tests a coded feed variable against a list of its own."""
    import yaml

    ct_columns = {r.params["column"].lower() for r in catalogue.rules() if r.check == "in_set"}
    codelists = [sorted(map(str, c["values"])) for c in catalogue.cdisc_terminology().values()
                 if len(c.get("values") or []) > 2]
    repeated = []
    for path in sorted((catalogue.HERE.parent / "dbt_project" / "models").rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            for col in model.get("columns") or []:
                for test in col.get("data_tests") or []:
                    if not (isinstance(test, dict) and "accepted_values" in test):
                        continue
                    values = sorted(map(str, test["accepted_values"]["arguments"]["values"]))
                    if col["name"] in ct_columns or values in codelists:
                        repeated.append(f"{model['name']}.{col['name']}")
    assert repeated == []


def test_cross_table_rules_run_in_the_sql_fallback():
    fallback = {r.id for r in catalogue.rules() if r.engine == "sql"}
    assert "AE-ONSET-AFTER-CONSENT" in fallback and "LB-VISIT-IN-SV" in fallback
    assert all(r.check in ("exists_in", "cross_sql") for r in catalogue.rules() if r.engine == "sql")


def test_error_rules_block_and_warn_rules_do_not():
    for r in catalogue.rules():
        assert r.blocking is (r.severity == "ERROR")


def test_study_settings_come_from_configuration():
    s = load_settings("cdiscpilot01")
    assert s.studyid == "CDISCPILOT01"
    arms = s.values("arms.arm")
    assert arms and len(arms) == len(s.config.arms)
    assert s.values("not_randomised.armcd") == [i.armcd for i in s.config.not_randomised]
    assert s.codelist("AEREL")  # sponsor-defined, supplied by the study's quality.yml
    assert "MILD" in s.codelist("AESEV")
    ranges = s.ranges("lb")
    assert ranges and all(v["low"] < v["high"] for v in ranges.values())
    assert all(v["low"] < v["high"] for v in s.ranges("vs").values())


def test_rules_contain_no_study_values():
    """Arms, test codes and thresholds live in the study's configuration, not in the rules."""
    import yaml

    s = load_settings("cdiscpilot01")
    text = catalogue.RULES_FILE.read_text()
    for value in s.values("arms.arm") + s.values("arms.armcd") + list(s.ranges("lb")) + [s.studyid]:
        assert not re.search(rf"\b{re.escape(value)}\b", text), value
    assert yaml.safe_load(text)


def test_plausible_range_rules_are_errors():
    ranged = {r.id: r for r in catalogue.rules() if r.check == "plausible_range"}
    assert {"LB-STRESN-PLAUSIBLE", "VS-STRESN-PLAUSIBLE", "DM-AGE-PLAUSIBLE"} <= set(ranged)
    for r in ranged.values():
        assert r.severity == "ERROR", r.id


def test_the_age_range_has_one_default_that_a_study_may_replace():
    s = load_settings("cdiscpilot01")
    default = catalogue.rule("DM-AGE-PLAUSIBLE").params["default_ranges"]
    assert s.ranges("dm", default)["AGE"] == {"unit": "YEARS", "low": 0, "high": 120}
    from safety_warehouse.study_model import QualityConfig

    quality = QualityConfig.model_validate({"plausible_ranges": {"dm": {"AGE": {"unit": "YEARS", "low": 18,
                                                                                "high": 90}}}})
    other = type(s)(s.study, s.studyid, s.config.model_copy(update={"quality": quality}))
    assert other.ranges("dm", default)["AGE"]["low"] == 18
    assert other.ranges("lb", None) == {}

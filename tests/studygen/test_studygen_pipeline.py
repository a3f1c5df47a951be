"""The simulated hUC-MSC study through the real command line, in a temporary workspace that also holds
the pilot's feeds: `safety-warehouse run hucmsc_t2dm` is green on a fresh warehouse (where no study
has created raw.supplb yet) and again after the pilot's raw feeds were loaded (where raw.supplb
exists with the pilot's rows only); the pilot's SUPPLB checks are skipped for it as not supplied,
and the published warehouse holds the study's marts and the effects the design injected."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
from workspace import Workspace, output  # noqa: E402

from safety_warehouse import paths  # noqa: E402

STUDY = "hucmsc_t2dm"
STUDYID = "HUCMSC-T2DM"


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    ws = Workspace.create(tmp_path_factory.mktemp("hucmsc_ws"))
    shutil.copytree(paths.PROJECT_ROOT / "data" / "raw" / STUDY, ws.raw / STUDY)
    return ws


def _log(result) -> str:
    match = re.search(r"\(log: (\S+)\)", output(result))
    return Path(match.group(1)).read_text() if match else ""


def _assert_green(ws: Workspace, result) -> None:
    text = output(result)
    assert result.returncode == 0, text
    assert re.search(rf"study {STUDY}: run \S+ succeeded", text), text
    log = _log(result)
    # the pilot supplies SUPPLB, this study does not: its SUPPLB checks are skipped, not failed
    assert "on 'raw/supplb' passed. Description: 'Skipped (not supplied)" in log, log[-3000:]
    assert "on 'raw/supplb' did not pass" not in log


def _assert_published(ws: Workspace) -> None:
    pub = ws.published
    assert pub.exists()
    assert ws.query("select count(*) from marts.dim_subject where studyid = ?", [STUDYID], path=pub)[0][0] == 34
    arms = dict(ws.query("select arm, count(*) from marts.dim_subject where studyid = ? group by arm",
                         [STUDYID], path=pub))
    assert arms == {"hUC-MSC": 24, "Placebo": 10}
    for table in ("fct_lab_result", "fct_vital_sign", "fct_adverse_event", "fct_subject_visit",
                  "mart_lab_endpoint", "mart_liver_injury"):
        assert ws.query(f"select count(*) from marts.{table} where studyid = ?", [STUDYID], path=pub)[0][0] > 0, table
    # the neutrophil-to-lymphocyte ratio is derived by dbt from the configured derived parameter
    nlr = ws.query("select count(*) from marts.fct_lab_result where studyid = ? and paramcd = 'NLR'",
                   [STUDYID], path=pub)[0][0]
    assert nlr > 200
    # no liver-injury case; the injected lab effects reach the significant findings
    findings = {(p, d) for p, d in ws.query(
        "select paramcd, direction from reports.t_significant_findings where study = ?", [STUDY], path=pub)}
    for expected in [("LYM", "lower"), ("TT", "lower"), ("PLAT", "higher"), ("IGA", "higher"), ("IGG", "higher"),
                     ("IGM", "higher"), ("FIBRINO", "higher"), ("DDIMER", "higher"), ("NLR", "higher")]:
        assert expected in findings, (expected, findings)
    errors = ws.query("select rule_id, count(*) from quality.dq_findings where study = ? and status = 'open' "
                      "and severity = 'ERROR' group by rule_id", [STUDY], path=pub)
    assert errors == []


def test_run_is_green_on_a_fresh_warehouse_and_after_another_study_created_supplb(ws):
    first = ws.cli("run", STUDY, timeout=1500)
    _assert_green(ws, first)
    assert "supplb" not in ws.tables("raw")  # nobody has created it: skipped all the same
    _assert_published(ws)

    loaded = ws.load("cdiscpilot01")  # the pilot's raw feeds, raw.supplb among them
    assert loaded.returncode == 0, output(loaded)
    assert "supplb" in ws.tables("raw")

    second = ws.cli("run", STUDY, timeout=1500)
    _assert_green(ws, second)
    _assert_published(ws)

"""A clinician opens the study's index page in a browser: every table and figure is there and renders."""

from __future__ import annotations

import re

import pytest

from safety_reports import expected_output_files

STUDY = "cdiscpilot01"


@pytest.fixture(scope="module")
def index_page(pipeline, browser, tmp_path_factory):
    files = expected_output_files(STUDY, outputs_root=pipeline.outputs)
    missing = [f.name for f in files if not f.exists() or f.stat().st_size == 0]
    assert not missing, f"outputs missing or empty: {missing}"
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # offline: a page that needs anything beyond its own files fails here
    page.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
    page.goto((pipeline.outputs / STUDY / "index.html").as_uri())
    yield page, files, tmp_path_factory.mktemp("screens")
    page.close()


def test_index_links_every_output_and_renders(index_page):
    page, files, shots = index_page
    hrefs = set(page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"))
    linked = {h.split("/")[-1] for h in hrefs}
    assert {f.name for f in files if f.name != "index.html"} <= linked
    body = page.inner_text("body")
    assert "Significant findings" in body and "Safety population" in body
    # figures are shown as images that actually decoded
    widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
    assert widths and all(w > 100 for w in widths)
    page.screenshot(path=str(shots / "index.png"), full_page=True)
    assert (shots / "index.png").stat().st_size > 50_000


def test_ae_table_renders_with_its_rows(index_page):
    page, _, shots = index_page
    page.click("text=Treatment-emergent adverse events by system organ class and preferred term >> xpath=.. >> a:text('HTML')")
    page.wait_for_load_state()
    assert page.locator("table").count() >= 1
    text = page.inner_text("body")
    for needle in ("Subjects with at least one TEAE", "APPLICATION SITE PRURITUS", "Placebo (N="):
        assert needle in text
    page.screenshot(path=str(shots / "ae_soc_pt.png"), full_page=True)
    page.go_back()


# a missing value printed as text, as pandas or JavaScript would spell it
MISSING_AS_TEXT = re.compile(r"\b(nan|NaN|None|undefined|null|NaT)\b")


def test_no_page_prints_a_missing_value_as_text(index_page, pipeline):
    page, _, _ = index_page
    pages = sorted((pipeline.outputs / STUDY).glob("*.html"))
    assert len(pages) > 5
    for html_file in pages:
        page.goto(html_file.as_uri())
        page.wait_for_load_state()
        text = page.inner_text("body")
        found = sorted(set(MISSING_AS_TEXT.findall(text)))
        assert not found, f"{html_file.name} prints {found}"

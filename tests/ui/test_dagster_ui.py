"""A data manager opens the Dagster UI after a run and sees the asset checks, their status and metadata."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

CHECKS_QUERY = """
query Checks($key: AssetKeyInput!) {
  assetNodeOrError(assetKey: $key) {
    ... on AssetNode {
      assetChecksOrError {
        ... on AssetChecks {
          checks {
            name
            blocking
            executionForLatestMaterialization {
              status
              evaluation { severity metadataEntries { label } }
            }
          }
        }
      }
    }
  }
}
"""


def _graphql(base: str, query: str, variables: dict) -> dict:
    req = urllib.request.Request(f"{base}/graphql", data=json.dumps({"query": query, "variables": variables}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        payload = json.loads(resp.read())
    assert "errors" not in payload, payload
    return payload["data"]


def _checks(base: str, path: list[str]) -> list[dict]:
    deadline = time.time() + 120
    while True:  # the code location loads in the background after the server answers
        data = _graphql(base, CHECKS_QUERY, {"key": {"path": path}})
        node = data["assetNodeOrError"]
        if node and "assetChecksOrError" in node:
            return node["assetChecksOrError"]["checks"]
        if time.time() > deadline:
            raise AssertionError(f"asset {path} not found in the UI: {data}")
        time.sleep(2)


@pytest.mark.parametrize("asset_path", [["raw", "lb"], ["raw", "ae"], ["marts", "fct_lab_result"]])
def test_asset_checks_visible_with_status_and_metadata(dagster_ui, browser, asset_path, tmp_path):
    checks = _checks(dagster_ui, asset_path)
    executed = [c for c in checks if c["executionForLatestMaterialization"]]
    assert executed, f"no executed checks on {asset_path}"
    assert any(c["executionForLatestMaterialization"]["evaluation"]["metadataEntries"] for c in executed)

    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(f"{dagster_ui}/assets/{'/'.join(asset_path)}?view=checks", wait_until="domcontentloaded")
    names = sorted(c["name"] for c in executed)
    # long names are middle-truncated on screen; the full name stays in the element that measures it
    page.get_by_text(names[0], exact=True).first.wait_for(state="attached", timeout=60_000)
    _dismiss_welcome_dialog(page)
    body = page.inner_text("body")
    html = page.content()
    shown = [n for n in names if n in html]
    assert len(shown) >= min(len(names), 5), f"checks missing from the page: {sorted(set(names) - set(shown))[:10]}"
    statuses = {c["executionForLatestMaterialization"]["status"] for c in executed}
    labels = {"SUCCEEDED": "Passed", "FAILED": "Failed"}
    assert any(labels.get(s, "") in body for s in statuses)
    page.screenshot(path=str(tmp_path / "checks.png"), full_page=True)
    assert (tmp_path / "checks.png").stat().st_size > 10_000

    # a failing check (else any) opens with its metadata: counts and the sample of failing records
    failed = [c for c in executed if c["executionForLatestMaterialization"]["status"] == "FAILED"]
    entry = (failed or executed)[0]
    page.get_by_text(entry["name"], exact=True).first.locator("xpath=..").click()
    labels_meta = [m["label"] for m in entry["executionForLatestMaterialization"]["evaluation"]["metadataEntries"]]
    # raw feeds: the rule catalogue's checks (counts, failing records); marts: their dbt tests
    count_label = "unexpected_records" if asset_path[0] == "raw" else "dagster_dbt/failed_row_count"
    assert count_label in labels_meta
    page.get_by_text(count_label, exact=True).first.wait_for(timeout=30_000)
    body = page.inner_text("body")
    assert all(label in body for label in labels_meta if label != "findings_sql"), labels_meta
    page.screenshot(path=str(tmp_path / "check_metadata.png"), full_page=True)
    page.close()


def _dismiss_welcome_dialog(page) -> None:
    """A fresh Dagster instance greets the first visitor with a dialog; skip it."""
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(timeout=5_000)
    except Exception:
        return
    skip.click()
    skip.wait_for(state="hidden", timeout=10_000)

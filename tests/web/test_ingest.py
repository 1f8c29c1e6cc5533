"""Uploading a feed from the browser: live job progress, then the quarantine browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.web.helpers import api_json, log_in, row_ids
from tests.worlds import PreparedWorld

HEADER = "id,schema,name,country,phone,email,confirmed_by,confirmed_at,brand,notes"
ROWS = [
    "UP1,Company,Harbour Light Ltd,HK,+852 2345 6789,info@harbour.example,Customs,2025-01-10,,",
    "UP2,Person,,DE,,,Customs,2025-01-11,,",
    "UP3,Company,Bright Coast Exports,CN,,sales@brightcoast.example,Customs,2025-01-12,Lumina,",
]


def test_an_upload_shows_progress_then_its_quarantined_rows(
    page: Any, web_world: PreparedWorld, tmp_path: Path, script_errors: list[str]
) -> None:
    upload = tmp_path / "customs-watchlist.csv"
    upload.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    log_in(page, web_world.login("customs", "analyst"))
    page.goto("/ingest")
    before = row_ids_of_jobs(page)
    page.select_option("#u-feed", "watchlist")
    page.set_input_files("#u-file", str(upload))
    page.click("[data-testid=upload-form] button[type=submit]")

    # The new job's card arrives without a page load and polls itself until the job ends.
    card = page.locator("[data-testid=jobs] .job").first
    page.wait_for_function(
        "before => { const c = document.querySelector('[data-testid=jobs] .job');"
        " return c && !before.includes(c.dataset.id) && c.dataset.status === 'done'; }",
        arg=before,
        timeout=30_000,
    )
    job_id = card.get_attribute("data-id")
    job = api_json(page, f"/jobs/{job_id}")
    assert job["status"] == "done" and page.url.endswith("/ingest")
    assert job["result"]["summary"]["quarantined"] == 1

    card.locator("a", has_text="quarantined").click()
    page.wait_for_url(f"**/ingest/jobs/{job_id}/quarantine")
    quarantine = api_json(page, f"/jobs/{job_id}/quarantine")
    assert row_ids(page, "quarantine") == [r["id"] for r in quarantine["items"]]
    assert [r["field"] for r in quarantine["items"]] == ["name"]  # a required value is missing
    assert "name" in page.get_by_test_id("quarantine-reasons").inner_text()
    assert script_errors == []


def row_ids_of_jobs(page: Any) -> list[str]:
    """Ids of the job cards on the ingest page."""
    return page.locator("[data-testid=jobs] .job").evaluate_all(
        "cards => cards.map(c => c.dataset.id)"
    )

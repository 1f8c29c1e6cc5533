"""Uploading a feed from the browser: live job progress, then the quarantine browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.web.helpers import api_json, check_page, csrf_token, log_in, row_ids
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
    upload = tmp_path / "declarations-2020.csv"
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

    assert card.get_by_test_id("job-title").inner_text() == "declarations-2020.csv"
    assert job["file_name"] == "declarations-2020.csv" and "/" not in str(job["result"])
    check_page(page, "ingest-after-upload")

    card.locator("a", has_text="quarantined").click()
    page.wait_for_url(f"**/ingest/jobs/{job_id}/quarantine")
    quarantine = api_json(page, f"/jobs/{job_id}/quarantine")
    assert row_ids(page, "quarantine") == [r["id"] for r in quarantine["items"]]
    assert [r["field"] for r in quarantine["items"]] == ["name"]  # a required value is missing
    assert "name" in page.get_by_test_id("quarantine-reasons").inner_text()
    # The row as received, its bad field marked (not a JSON blob).
    marked = page.get_by_test_id("bad-field")
    assert marked.count() == 1 and marked.locator("dt").inner_text() == "name"
    assert "{" not in page.get_by_test_id("quarantine").inner_text()
    check_page(page, "ingest-quarantine")
    # The rejected rows download as CSV: reason first, then the row's own columns.
    with page.expect_download() as download:
        page.get_by_test_id("quarantine-csv").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Row,Field,Reason,id,schema,name")
    assert lines[1].startswith("2,name,") and ",UP2,Person,," in lines[1]
    assert script_errors == []


def test_the_form_offers_what_the_organisation_may_upload(
    page: Any, web_world: PreparedWorld
) -> None:
    log_in(page, web_world.login("carrier", "admin"))
    page.goto("/ingest")
    model = api_json(page, "/jobs")
    assert page.locator("#u-feed").input_value() == model["default_feed"] == "shipments"
    offered = page.locator("#u-mapping option").evaluate_all("os => os.map(o => o.value)")
    assert offered[0] == "" and offered[1:] == [m["name"] for m in model["mappings"]]
    assert offered[1:], "the carrier's own shipped mapping is offered"
    assert not [name for name in offered if "bazaar" in name or "customs" in name]
    # its only own mapping for the chosen feed is the default; another feed has none
    assert model["default_mappings"]["shipments"] == "sim-swiftpost-shipments"
    assert page.locator("#u-mapping").input_value() == "sim-swiftpost-shipments"
    other = next(f for f in model["feeds"] if f not in model["default_mappings"])
    page.select_option("#u-feed", other)
    assert page.locator("#u-mapping").input_value() == ""
    page.select_option("#u-feed", "shipments")
    assert page.locator("#u-mapping").input_value() == "sim-swiftpost-shipments"
    check_page(page, "ingest-form-carrier")


def test_a_refused_upload_says_why_in_words(page: Any, web_world: PreparedWorld) -> None:
    log_in(page, web_world.login("customs", "analyst"))
    page.goto("/ingest")
    file = {"name": "x.csv", "mimeType": "text/csv", "buffer": b"id,name\n1,x\n"}
    response = page.request.post(
        "/ingest",
        multipart={
            "csrf_token": csrf_token(page),
            "feed": "watchlist",
            "mapping": "../../etc/passwd",
            "file": file,
        },
    )
    assert response.status == 400
    page.set_content(response.text())
    error = page.get_by_test_id("upload-error").inner_text()
    assert "not one your organisation may use" in error
    assert "ringfence" not in error and "/" not in error and "sim-" not in error


def test_a_failed_upload_says_so_in_words_and_its_quarantine_does_not_claim_success(
    page: Any, web_world: PreparedWorld, tmp_path: Path
) -> None:
    upload = tmp_path / "not-a-watchlist.csv"
    upload.write_text("foo,bar\n1,2\n", encoding="utf-8")
    log_in(page, web_world.login("customs", "analyst"))
    page.goto("/ingest")
    before = row_ids_of_jobs(page)
    page.select_option("#u-feed", "watchlist")
    page.set_input_files("#u-file", str(upload))
    page.click("[data-testid=upload-form] button[type=submit]")
    page.wait_for_function(
        "before => { const c = document.querySelector('[data-testid=jobs] .job');"
        " return c && !before.includes(c.dataset.id) && c.dataset.status === 'failed'; }",
        arg=before,
        timeout=30_000,
    )
    card = page.locator("[data-testid=jobs] .job").first
    error = card.get_by_test_id("job-error").inner_text()
    assert "not-a-watchlist.csv" in error and "name" in error
    assert "--mapping" not in error and "docs/" not in error and "/tmp" not in error
    page.goto(f"/ingest/jobs/{card.get_attribute('data-id')}/quarantine")
    empty = page.get_by_test_id("empty").inner_text()
    assert "failed" in empty and "accepted" in empty and "passed" not in empty


def row_ids_of_jobs(page: Any) -> list[str]:
    """Ids of the job cards on the ingest page."""
    return page.locator("[data-testid=jobs] .job").evaluate_all(
        "cards => cards.map(c => c.dataset.id)"
    )

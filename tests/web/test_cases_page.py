"""A customs officer opens a case, adds a shipment, a note and a photo, hands the photo to a lab,
and refers the case; the page matches its JSON twin and passes axe at desktop and phone size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.web.helpers import api_json, log_in
from tests.web.pagecheck import check_page
from tests.worlds import PreparedWorld


def test_an_officer_works_a_case_in_the_browser(
    page: Any, web_world: PreparedWorld, script_errors: list[str], tmp_path: Path
) -> None:
    log_in(page, web_world.login("customs", "officer"))
    page.goto("/cases")
    page.fill("#case-title", "Counterfeit watches via Rotterdam")
    page.click("[data-testid=open-case-form] button[type=submit]")
    page.wait_for_url("**/cases/ca-*")
    case = page.url.rsplit("/", 1)[-1].split("#")[0]

    shipment = web_world.queued[next(iter(web_world.queued))][0]
    page.select_option("#item-kind", "shipment")
    page.fill("#item-ref", shipment)
    page.fill("#item-note", "seized at the border")
    page.click("[data-testid=add-item-form] button[type=submit]")
    page.locator("[data-testid=case-items]").wait_for()
    page.fill("#note-text", "The driver named the seller.")
    page.click("[data-testid=add-note-form] button[type=submit]")
    page.wait_for_url("**#notes")
    photo = tmp_path / "seized-watches.jpg"
    photo.write_bytes(b"\xff\xd8 a photo of the seized watches")
    page.set_input_files("#ev-file", str(photo))
    page.select_option("#ev-kind", "photo")
    page.fill("#ev-custodian", "Officer A")
    page.click("[data-testid=add-evidence-form] button[type=submit]")
    page.locator("[data-testid=case-evidence]").wait_for()
    evidence = api_json(page, f"/cases/{case}")["evidence"][0]
    page.fill(f"#to-{evidence['id']}", "Lab B")
    page.fill(f"#why-{evidence['id']}", "authenticity test")
    page.locator(f"#evidence-{evidence['id']} button", has_text="Hand over").click()
    page.wait_for_url("**#evidence")
    page.select_option("#case-status", "referred")
    page.fill("#case-reason", "to the prosecutor")
    page.click("[data-testid=status-form] button[type=submit]")
    page.get_by_test_id("case-status").filter(has_text="referred").wait_for()

    model = api_json(page, f"/cases/{case}")
    assert [i["ref"] for i in model["items"]] == [shipment]
    assert [(s["from"], s["to"]) for s in model["evidence"][0]["custody"]] == [
        (None, "Officer A"),
        ("Officer A", "Lab B"),
    ]
    steps = page.locator(f"#evidence-{evidence['id']} ol.custody li").all_inner_texts()
    assert len(steps) == 2 and "held by Officer A" in steps[0] and "Officer A → Lab B" in steps[1]
    assert model["evidence"][0]["sha256"] in page.locator("code.hash").first.inner_text()
    assert api_json(page, f"/cases/{case}/verify")["ok"] is True
    check_page(page, "case")

    page.goto("/cases")
    assert page.locator(f"#case-{case} a").inner_text() == "Counterfeit watches via Rotterdam"
    check_page(page, "cases")
    assert script_errors == []


def test_a_partner_without_an_agreement_finds_no_such_case(
    page: Any, web_world: PreparedWorld
) -> None:
    log_in(page, web_world.login("customs", "officer"))
    page.goto("/cases")  # a page with the CSRF token
    case = api_json(page, "/cases", method="POST", data={"title": "Not shared"})["id"]
    page.context.clear_cookies()
    log_in(page, web_world.login("marketplace", "investigator"))
    response = page.goto(f"/cases/{case}")
    assert response is not None and response.status == 404

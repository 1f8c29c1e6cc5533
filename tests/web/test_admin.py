"""An organisation admin shares a dataset, revokes it in place, and sees both in the audit log."""

from __future__ import annotations

from typing import Any

from tests.web.helpers import api_json, log_in, row_ids
from tests.worlds import PreparedWorld


def test_an_admin_shares_then_revokes_and_the_audit_log_records_both(
    page: Any, web_world: PreparedWorld, script_errors: list[str]
) -> None:
    log_in(page, web_world.login("customs", "admin"))
    page.goto("/sharing")
    given_before = row_ids(page, "agreements-given")
    page.fill("#a-recipient", "brand-lumina")
    page.select_option("#a-dataset", "outcomes")
    page.fill("#a-fields", "date, result")
    page.fill("#a-filter", "result = seized; brand = $recipient_brands, Lumina")
    page.fill("#a-purpose", "browser test: a short-lived agreement")
    page.click("[data-testid=share-form] button[type=submit]")
    page.wait_for_url("**/sharing")
    created = [i for i in row_ids(page, "agreements-given") if i not in given_before]
    assert len(created) == 1
    agreement = next(a for a in api_json(page, "/sharing")["given"] if str(a["id"]) == created[0])
    assert (agreement["recipient"], agreement["fields"]) == ("brand-lumina", ["date", "result"])
    assert agreement["row_filter"] == {"result": "seized", "brand": ["$recipient_brands", "Lumina"]}

    page.once("dialog", lambda dialog: dialog.accept())  # hx-confirm asks first
    page.locator(f"#agreement-{created[0]} button", has_text="Revoke").click()
    page.locator(f"#agreement-{created[0]} .badge.positive").wait_for()  # row updated in place
    assert created[0] not in [str(a["id"]) for a in api_json(page, "/sharing")["given"]]

    page.goto("/audit")
    actions = page.locator("[data-testid=audit] td[data-label=What]").all_inner_texts()
    assert any("sharing" in action and "revoke" in action for action in actions)
    assert "intact" in page.get_by_test_id("chain-status").inner_text()
    assert script_errors == []

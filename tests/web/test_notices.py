"""A marketplace's notices page in a browser: a brand's notice against its listing is upheld
(the listing comes down), the seller's counter-notice is relayed and the listing reinstated;
the brand's portal shows the counter-notice and the outcome. axe, phone overflow, screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.service.world import lake_rows
from tests.web.helpers import api_json, check_page, log_in
from tests.web.pagecheck import DESKTOP
from tests.worlds import PreparedWorld

BRAND = ("brand", "brand_user")
MARKET = ("marketplace", "investigator")


@pytest.fixture
def brand_page(browser: Any, live_server: str, web_world: PreparedWorld) -> Iterator[Any]:
    """A second browser context, logged in as the brand user."""
    context = browser.new_context(base_url=live_server, viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, web_world.login(*BRAND))
    yield page
    context.close()


def _step(page: Any, notice: int, details: str, field: str, text: str) -> None:
    row = page.locator(f"#notice-{notice}")
    row.locator(f"details.{details} > summary").click()
    form = row.locator(f"details.{details} form")
    form.locator(f"textarea[name={field}]").fill(text)
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/listings/notices*")


def test_a_notice_is_upheld_then_the_seller_counter_notices_and_is_reinstated(
    page: Any, brand_page: Any, web_world: PreparedWorld, script_errors: list[str]
) -> None:
    market = web_world.login(*MARKET).organisation
    brands = api_json(brand_page, "/brand-portal/complaints")["brands"]
    names = ", ".join("'" + b.casefold().replace("'", "''") + "'" for b in brands)
    listing = lake_rows(web_world.settings, "listings", "SELECT source_key FROM listings WHERE "
                        f"organisation = '{market}' AND lower(brand) IN ({names}) AND "
                        "coalesce(status, 'active') = 'active' ORDER BY source_key DESC LIMIT 1",
                        )[0]["source_key"]  # fmt: skip
    body = {"marketplace": market, "listing": listing, "brand": brands[0], "reason": "fake"}
    notice = api_json(brand_page, "/complaints", method="POST", data=body)["complaint"]["id"]

    log_in(page, web_world.login(*MARKET))
    page.goto("/listings/queue")
    page.get_by_role("link", name="Notices received from brands").click()
    row = page.locator(f"#notice-{notice}")
    assert row.get_by_test_id("notice-status").inner_text() == "pending"
    twin = api_json(page, "/complaints")["complaints"]
    shown = page.locator("[data-testid=notices] tbody tr").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.id))"
    )
    assert shown == [c["id"] for c in twin if c["marketplace"] == market]
    check_page(page, "marketplace-investigator-notices")

    _step(page, notice, "decide-upheld", "reason", "test buy confirms it")
    assert row.get_by_test_id("notice-status").inner_text() == "upheld"
    down = [a for a in api_json(page, "/listings/actions")["actions"] if a["listing"] == listing]
    assert down and down[0]["kind"] == "take_down" and down[0]["state"] == "active"

    _step(page, notice, "counter", "statement", "I bought the stock from the brand's distributor")
    assert "distributor" in row.get_by_test_id("counter-notice").inner_text()
    _step(page, notice, "reinstate", "reason", "distributor invoice checked")
    assert row.get_by_test_id("notice-status").inner_text() == "rejected"
    assert "reinstated" in row.get_by_test_id("counter-notice").inner_text()
    after = [a for a in api_json(page, "/listings/actions")["actions"] if a["listing"] == listing]
    assert after[0]["state"] == "reinstated"

    brand_page.goto("/brand-portal")
    mine = brand_page.locator(f"#complaint-{notice}")
    assert mine.get_by_test_id("complaint-status").inner_text() == "rejected"
    assert "distributor" in mine.inner_text()
    check_page(page, "marketplace-investigator-notices-after")
    assert script_errors == []

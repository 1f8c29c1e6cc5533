"""The brand portal in a browser: a brand user reports a listing from the portal's form and
sees the notice with its validity; once its accurate notices earned self-service removal (ten
upheld by the marketplace), it removes a listing itself and the marketplace's listing actions
show the take-down. The page agrees with its JSON twins; axe, phone overflow, screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ringfence.settings import Settings
from tests.service.world import lake_rows
from tests.web.helpers import api_json, check_page, log_in, overflowing
from tests.web.pagecheck import DESKTOP
from tests.worlds import PreparedWorld

BRAND = ("brand", "brand_user")
MARKET = ("marketplace", "investigator")


@pytest.fixture
def market_page(browser: Any, live_server: str, web_world: PreparedWorld) -> Iterator[Any]:
    """A second browser context, logged in as the marketplace's investigator."""
    context = browser.new_context(base_url=live_server, viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, web_world.login(*MARKET))
    yield page
    context.close()


def _listings(settings: Settings, market: str, brands: list[str], count: int) -> list[str]:
    """Active listings of ``market`` claiming one of ``brands``, in key order."""
    names = ", ".join("'" + b.casefold().replace("'", "''") + "'" for b in brands)
    rows = lake_rows(settings, "listings", "SELECT source_key FROM listings WHERE "
                     f"organisation = '{market}' AND lower(brand) IN ({names}) AND "
                     "coalesce(status, 'active') = 'active' ORDER BY source_key")  # fmt: skip
    picked = [str(r["source_key"]) for r in rows][:count]
    assert len(picked) == count, f"the world has {len(picked)} such listings, not {count}"
    return picked


def _file(page: Any, market: str, listing: str, brand: str, reason: str, now: bool) -> int:
    form = page.get_by_test_id("complaint-form")
    form.locator("select[name=marketplace]").select_option(market)
    form.locator("select[name=brand]").select_option(brand)
    form.locator("input[name=listing]").fill(listing)
    form.locator("textarea[name=reason]").fill(reason)
    if now:
        form.get_by_test_id("take-down-now").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/brand-portal?filed=*")
    return int(page.url.split("filed=")[1].split("#")[0])


def test_a_brand_reports_a_listing_then_removes_one_itself(
    page: Any, market_page: Any, web_world: PreparedWorld, script_errors: list[str]
) -> None:
    log_in(page, web_world.login(*BRAND))
    assert page.locator("nav.nav a[href='/brand-portal']").count() == 1
    page.goto("/brand-portal")
    twin = api_json(page, "/brand-portal/complaints")
    market = web_world.login(*MARKET).organisation
    brand = twin["brands"][0]
    first, *earning, last = _listings(web_world.settings, market, twin["brands"], 12)
    check_page(page, "brand-brand_user-brand-portal")

    notice = _file(page, market, first, brand, "test buy: counterfeit stitching", now=False)
    row = page.locator(f"#complaint-{notice}")
    assert row.get_by_test_id("complaint-status").inner_text() == "pending"
    mine = {c["id"]: c for c in api_json(page, "/brand-portal/complaints")["complaints"]}
    assert mine[notice]["listing"] == first and "score" not in mine[notice]  # marketplace's
    shown = page.locator("[data-testid=complaints] tbody tr").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.id))"
    )
    assert shown == list(mine)
    assert page.get_by_test_id("take-down-now").count() == 0, "no removal privilege yet"

    # Ten accurate notices, upheld by the marketplace, earn self-service removal there.
    for listing in earning:
        body = {"marketplace": market, "listing": listing, "brand": brand, "reason": "test buy"}
        filed = api_json(page, "/complaints", method="POST", data=body)
        path = f"/complaints/{filed['complaint']['id']}/decide"
        decision = {"decision": "upheld", "reason": "confirmed"}
        decided = api_json(market_page, path, method="POST", data=decision)
        assert decided["complaint"]["status"] == "upheld"
    page.goto("/brand-portal")
    assert "earned" in page.get_by_test_id("privileges").inner_text()

    removed = _file(page, market, last, brand, "same counterfeit as before", now=True)
    row = page.locator(f"#complaint-{removed}")
    assert row.get_by_test_id("complaint-status").inner_text() == "upheld"
    assert "removed by you" in row.inner_text()
    actions = api_json(market_page, "/listings/actions")["actions"]
    assert any(a["listing"] == last and a["kind"] == "take_down" and a["state"] == "active"
               for a in actions)  # fmt: skip
    check_page(page, "brand-brand_user-brand-portal-after")
    page.set_viewport_size(DESKTOP)
    assert overflowing(page) == []
    assert script_errors == []

"""The brand portal's own JSON twin ``/api/v1/brand-portal``: the page's data in one answer,
equal to its four parts' routes, and what the page lists (notices, products, seizures, codes)."""

from __future__ import annotations

from typing import Any

from tests.web.helpers import api_json, log_in, row_ids
from tests.worlds import PreparedWorld

SHOWN_SEIZURES = 20  # the page lists the newest 20 and links to the rest


def test_the_brand_portal_page_shows_its_twin(
    page: Any, web_world: PreparedWorld, script_errors: list[str]
) -> None:
    log_in(page, web_world.login("brand", "brand_user"))
    page.goto("/brand-portal")
    twin = api_json(page, "/brand-portal")
    assert twin["organisation"] == web_world.login("brand", "brand_user").organisation
    for part in ("products", "complaints"):
        assert twin[part] == api_json(page, f"/brand-portal/{part}"), part
    for part in ("seizures", "codes"):
        assert twin[part] == api_json(page, f"/brand-portal/{part}?limit=200"), part
    assert twin["products"]["products"], "the world has the brand's products"
    assert row_ids(page, "complaints") == [str(c["id"]) for c in twin["complaints"]["complaints"]]
    products = page.locator("[data-testid=portal-products] tbody tr")
    assert products.count() == len(twin["products"]["products"])
    seizures = page.locator("[data-testid=portal-seizures] tbody tr")
    assert seizures.count() == min(SHOWN_SEIZURES, len(twin["seizures"]["seizures"]))
    codes = page.get_by_test_id("portal-codes").inner_text()
    assert f"{len(twin['codes']['scans'])} scan" in codes
    assert script_errors == []

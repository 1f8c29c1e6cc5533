"""The page-view measure on the dashboard: a marketplace sees its own measure per brand and per
day, a brand the rows of its own brands only; the page carries the JSON twin's rows and figures
(``/api/v1/metrics/pageviews`` and the dashboard's ``pageviews``); axe, phone overflow and
screenshots at desktop and phone size."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.helpers import api_json, check_page, log_in, row_ids
from tests.worlds import PreparedWorld

DAYS = 30


def _shown_shares(page: Any) -> list[float]:
    return page.locator("[data-testid=pageviews-brands] td[data-share]").evaluate_all(
        "cells => cells.map(c => Number(c.dataset.share))"
    )


@pytest.mark.parametrize("who", [("marketplace", "investigator"), ("brand", "brand_user")])
def test_the_dashboard_shows_the_page_view_measure_the_twin_gives(
    page: Any, web_world: PreparedWorld, script_errors: list[str], who: tuple[str, str]
) -> None:
    log_in(page, web_world.login(*who))
    page.goto(f"/dashboard?days={DAYS}")
    twin = api_json(page, f"/metrics/pageviews?days={DAYS}")
    assert api_json(page, f"/dashboard?days={DAYS}")["pageviews"] == twin
    assert twin["by_brand"], "the world has page views this organisation may read"
    card = page.get_by_test_id("pageviews")
    assert card.locator("h2").inner_text() == "Page views with no valid complaint"
    ids = [f"{r['organisation']}:{r['brand']}" for r in twin["by_brand"]]
    assert row_ids(page, "pageviews-brands") == ids
    assert _shown_shares(page) == [r["share_no_valid_complaint"] for r in twin["by_brand"]]
    brands = {r["brand"] for r in twin["by_brand"]}
    if who[0] == "marketplace":
        assert "*" in brands and "All brands" in card.inner_text()
        per_day = [r for r in twin["daily"] if r["brand"] == "*"]
    else:
        assert "*" not in brands, "a brand never sees the marketplace's all-brands figure"
        per_day = twin["daily"]
    expected = [f"{r['organisation']}:{r['date']}:{r['brand']}" for r in per_day]
    assert row_ids(page, "pageviews-daily") == expected
    fits = card.locator(".table-wrap").first.evaluate("w => w.scrollWidth <= w.clientWidth")
    assert fits, "the brand table fits the card at desktop width"
    card.scroll_into_view_if_needed()
    check_page(page, f"{who[0]}-{who[1]}-dashboard-pageviews")
    assert script_errors == []

"""Each role's dashboard shows its own data: a brand its goods' seizures, a carrier the holds
on its parcels, a marketplace its sellers, customs the queue's figures; a figure its agreements
do not share reads "not shared with you", never 0. Axe, phone overflow and screenshots."""

from __future__ import annotations

from typing import Any

from tests.web.helpers import api_json, check_page, log_in, row_ids
from tests.worlds import PreparedWorld

CUSTOMS_ONLY = ("inspections", "hit_rate", "open_tasks")


def _stat(page: Any, name: str) -> str:
    return str(page.locator(f"[data-stat='{name}']").inner_text()).strip()


def _number(text: str) -> int:
    return int(text.replace("\u202f", "").replace(",", ""))


def _open(page: Any, web_world: PreparedWorld, organisation: str, role: str) -> dict[str, Any]:
    log_in(page, web_world.login_of(organisation, role))
    page.goto("/dashboard?days=3650")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.chart')]"
        ".every(c => c.classList.contains('chart-ready') && c.querySelector('svg'))"
    )
    model: dict[str, Any] = api_json(page, "/dashboard?days=3650")
    assert model["organisation"] == organisation
    return model


def test_a_brand_sees_seizures_of_its_goods_not_the_customs_dashboard(
    page: Any, web_world: PreparedWorld, script_errors: list[str]
) -> None:
    _record_brand_seizure(page, web_world, "NorthPeak")
    model = _open(page, web_world, "brand-northpeak", "brand_user")
    assert model["kind"] == "brand"
    brand = model["brand"]
    assert model["headline"]["seizures"] >= 1 and brand["by_day"] and brand["by_product"]
    assert _number(_stat(page, "seizures")) == model["headline"]["seizures"]
    for name in CUSTOMS_ONLY:
        assert page.locator(f"[data-stat='{name}']").count() == 0
    assert row_ids(page, "brand-days") == [d["date"] for d in brand["by_day"]]
    assert row_ids(page, "chart-product") == [c["key"] for c in brand["by_product"]]
    seizures = api_json(page, "/seizures")["items"]
    assert {s["brand"] for s in seizures} <= {"NorthPeak", "Glacier Line"}
    assert sum(d["seizures"] for d in brand["by_day"]) == len(seizures)
    if "brand.port" in model["not_shared"]:  # the standing agreement leaves the port out
        card = page.locator("section.card", has_text="By port")
        assert "Not shared with you" in card.inner_text()
    check_page(page, "dashboard-brand")
    assert script_errors == []


def _record_brand_seizure(page: Any, web_world: PreparedWorld, brand: str) -> None:
    """An officer records a seizure of ``brand`` goods (through the API, as the queue does)."""
    log_in(page, web_world.login("customs", "officer"))
    tasks = api_json(page, "/queue")["tasks"]
    assert tasks, "the queue needs an open task"
    body = {"positive": True, "result": "seized", "brand": brand, "units": 12, "value": 480.0,
            "goods_found": f"12 x jacket bearing {brand} marks", "currency": "EUR"}  # fmt: skip
    api_json(page, f"/queue/{tasks[-1]['id']}/outcome", method="POST", data=body)
    page.context.clear_cookies()


def test_a_carrier_sees_inspections_and_holds_on_its_own_parcels(
    page: Any, web_world: PreparedWorld, script_errors: list[str]
) -> None:
    model = _open(page, web_world, "swiftpost", "analyst")
    assert model["kind"] == "carrier"
    carrier = model["carrier"]
    assert carrier["inspections"] > 0 and carrier["held"] > 0
    assert _number(_stat(page, "parcels_inspected")) == carrier["inspections"]
    assert _number(_stat(page, "parcels_held")) == carrier["held"]
    assert row_ids(page, "carrier-days") == [d["date"] for d in carrier["by_day"]]
    held = carrier["recent_held"]
    assert row_ids(page, "held") == [r["shipment_ref"] for r in held]
    shipment = api_json(page, f"/shipments/{held[0]['shipment_ref']}")["shipment"]
    assert shipment["organisation"] == "swiftpost"  # its own parcel, by its tracking number
    assert held[0]["tracking_number"] == shipment["tracking_number"]
    # The standing agreement shares outcomes of its parcels but not the value seized.
    assert "seized_value" in model["not_shared"] and model["headline"]["seized_value"] is None
    assert _stat(page, "seized_value") == "not shared with you"
    check_page(page, "dashboard-carrier")
    assert script_errors == []


def test_a_marketplace_sees_its_sellers_at_the_border_or_on_the_watchlist(
    page: Any, web_world: PreparedWorld, script_errors: list[str]
) -> None:
    model = _open(page, web_world, "bazaar", "investigator")
    assert model["kind"] == "marketplace"
    market = model["marketplace"]
    assert market["sellers"] > 0 and market["listings"] > 0
    assert _number(_stat(page, "sellers")) == market["sellers"]
    assert _number(_stat(page, "listings")) == market["listings"]
    assert market["rows"], "watchlisted parties sell on the demo marketplace"
    assert row_ids(page, "sellers-seen") == [r["entity_id"] for r in market["rows"]]
    for row in market["rows"]:
        assert row["seen_by"] or row["watchlisted"] or (row["network_risk"] or 0) >= 0.5
    # The standing agreement shares which parties customs and carriers know: sellers seen at
    # the border are counted, listed first, and name who saw them.
    assert "marketplace.seen_by" not in model["not_shared"]
    assert set(market["border_partners"]) >= {"customs-nl", "swiftpost"}
    seen = [r for r in market["rows"] if r["seen_by"]]
    assert seen and market["rows"][: len(seen)] == seen
    assert _number(_stat(page, "marketplace.seen_by")) == market["sellers_seen"] > 0
    assert 0 < sum(len(r["seller_keys"]) for r in seen) <= market["sellers_seen"]
    first = page.locator(f"[data-testid=sellers-seen] tr[data-id='{seen[0]['entity_id']}']")
    chips = first.locator(".chip[data-org]")
    assert set(seen[0]["seen_by"]) <= set(chips.evaluate_all("cs => cs.map(c => c.dataset.org)"))
    # ... by their names, not their slugs (the header names the marketplace the same way).
    assert "SwiftPost Express" in chips.all_inner_texts()
    assert not set(chips.all_inner_texts()) & set(seen[0]["seen_by"])
    assert "No customs or carrier partner" not in page.locator("main").inner_text()
    if "seizures" in model["not_shared"]:
        assert _stat(page, "seizures") == "not shared with you"
    check_page(page, "dashboard-marketplace")
    assert script_errors == []


def test_customs_keeps_the_queue_dashboard(
    page: Any, web_world: PreparedWorld, script_errors: list[str]
) -> None:
    model = _open(page, web_world, "customs-nl", "officer")
    assert model["kind"] == "customs" and not model["not_shared"]
    for name in ("inspections", "seizures", "open_tasks", "watchlisted"):
        assert _number(_stat(page, name)) == model["headline"][name]
    check_page(page, "dashboard-customs")
    assert script_errors == []

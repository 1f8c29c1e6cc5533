"""The page-view measure through the service: the dashboard's part and its JSON twin
``/api/v1/metrics/pageviews`` carry ``pageview_measure``'s figures, gated by the policy: a
marketplace reads its own measure, a brand the rows of its own brands (the standing agreement
with the row filter ``$recipient_brands``), anyone else nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ringfence.metrics.pageviews import ALL_BRANDS, pageview_measure
from ringfence.store.operational import OperationalStore
from tests.service.world import World

API = "/api/v1"


def _of_kind(world: World, kind: str) -> str:
    return next(o for o, k in sorted(world.kinds.items()) if k == kind)


def _get(client: TestClient, world: World, organisation: str, path: str) -> Any:
    response = client.get(f"{API}{path}", headers=world.headers(organisation))
    assert response.status_code == 200, response.text
    return response.json()


def test_a_marketplace_reads_its_measure_as_the_cli_computes_it(
    client: TestClient, world: World
) -> None:
    market = _of_kind(world, "marketplace")
    body = _get(client, world, market, "/metrics/pageviews?days=7")
    expected = [r.to_dict() for r in pageview_measure(world.settings, marketplace=market)]
    window = sorted({r["date"] for r in expected})[-7:]
    expected = [r for r in expected if r["date"] >= window[0] and r["views"]]
    assert body["since"] == window[0] and body["until"] == window[-1]
    got = [{k: r[k] for k in expected[0]} for r in body["daily"]]
    assert got == expected
    total = next(r for r in body["by_brand"] if r["brand"] == ALL_BRANDS)
    days = [r for r in expected if r["brand"] == ALL_BRANDS]
    assert total["views"] == sum(r["views"] for r in days)
    upheld = sum(r["views_with_valid_complaint"] for r in days)
    assert total["share_no_valid_complaint"] == round(1 - upheld / total["views"], 6)
    dashboard = _get(client, world, market, "/dashboard?days=7")
    assert dashboard["pageviews"] == body and "pageviews" not in dashboard["not_shared"]


def test_a_brand_reads_its_own_brands_only_and_customs_nothing(
    client: TestClient, world: World
) -> None:
    brand_org = _of_kind(world, "brand")
    with OperationalStore.open(world.settings) as store:
        names = {
            n.casefold()
            for r in store.brand_registrations(brand_org)
            for n in (r.brand, *(r.aliases or []))
        }
    body = _get(client, world, brand_org, "/metrics/pageviews?days=3650")
    assert body["daily"], "the world has page views of listings claiming the brand"
    assert {r["brand"].casefold() for r in body["daily"] + body["by_brand"]} <= names
    every = pageview_measure(world.settings)
    theirs = [r for r in every if r.brand.casefold() in names and r.views]
    assert len(body["daily"]) == len(theirs)
    customs = _of_kind(world, "customs")
    assert _get(client, world, customs, "/metrics/pageviews?days=3650")["daily"] == []
    assert _get(client, world, customs, "/dashboard")["pageviews"] is None

"""Red team, marketplace protection (issue 11): the page-view measure's share with brands.

M6: the measure's all-brands rows carry the brand ``*`` and pass the policy gate as any row:
a brand's standing agreement admits rows whose ``brand`` is one of its approved names or
aliases (``$recipient_brands``), and nothing stops a registration from carrying the alias
``*`` (the name check refuses only blank, long and unprintable names; approval checks clashes
with other organisations' names only). With it approved, the brand read the marketplace's
views and upheld/pending complaint views summed over every brand, per day and over the window:
minus its own rows, the other brands' figures. The all-brands rows now pass the gate only
through a grant without a row filter on ``brand`` (the marketplace itself, or an agreement
sharing the whole measure).
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from ringfence.metrics.pageviews import ALL_BRANDS
from ringfence.store.operational import OperationalStore
from tests.complaints.conftest import of_kind
from tests.service.world import World

API = "/api/v1"
BRAND = "brand-northpeak"


def test_a_star_alias_does_not_open_the_all_brands_measure(
    scratch_client: TestClient, scratch_world: World
) -> None:
    world = scratch_world
    headers = world.headers(BRAND, "brand_user")
    own = scratch_client.get(f"{API}/metrics/pageviews?days=3650", headers=headers)
    assert own.status_code == 200, own.text
    assert own.json()["daily"], "the brand reads the measure of its own brands"
    with OperationalStore.open(world.settings) as store:
        number = store.register_brand(BRAND, "NorthPeak Outlet", ["*"], actor="brand@northpeak")
        store.approve_brand(number, actor="operator")
    got = scratch_client.get(f"{API}/metrics/pageviews?days=3650", headers=headers)
    assert got.status_code == 200, got.text
    rows = got.json()["daily"] + got.json()["by_brand"]
    assert rows and not [r for r in rows if r["brand"] == ALL_BRANDS], rows[:3]
    market = of_kind(world, "marketplace")[0]
    mine = scratch_client.get(f"{API}/metrics/pageviews?days=3650", headers=world.headers(market))
    assert [r for r in mine.json()["by_brand"] if r["brand"] == ALL_BRANDS]  # the owner's, whole

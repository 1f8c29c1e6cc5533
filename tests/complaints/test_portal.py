"""The brand portal's JSON: a brand sees its own brands' products and authorised sellers, the
seizures of its goods customs shares with it, its own notices and code keys, and the scans of
its codes it may read; another brand's data never appears."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ringfence.service.app import create_app
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.codes import ScanDraft
from ringfence.store.operational.complaints import ComplaintDraft
from tests.complaints.conftest import of_kind
from tests.service.world import World, lake_rows

API = "/api/v1"
MINE, THEIRS = "brand-northpeak", "brand-lumina"


def test_portal_shows_my_brands_only(scratch_world: World) -> None:
    world = scratch_world
    market, customs = of_kind(world, "marketplace")[0], of_kind(world, "customs")[0]
    with OperationalStore.open(world.settings) as store:
        mine = {n.casefold() for n in store.approved_brand_names(MINE)}
        theirs = {n.casefold() for n in store.approved_brand_names(THEIRS)}
        store.register_code_key(MINE, "NorthPeak", "np-key-1", "A" * 43, actor="t")
        store.register_code_key(THEIRS, "Lumina", "lu-key-1", "B" * 43, actor="t")
        for brand in ("NorthPeak", "Lumina"):
            store.record_code_scan(ScanDraft(customs, "AMS", f"code-{brand}", True, brand,
                                             None, "1", None, None), actor="t")  # fmt: skip
        for org, brand in ((MINE, "NorthPeak"), (THEIRS, "Lumina")):
            draft = ComplaintDraft(org, market, f"L-{brand}", "S", brand, f"notice of {org}",
                                   0.9, True, "r")  # fmt: skip
            store.file_complaint(draft, actor="t")
    assert mine and theirs and not mine & theirs
    with TestClient(create_app(world.settings)) as client:
        get = lambda part: client.get(f"{API}/brand-portal/{part}", headers=world.headers(MINE))  # noqa: E731

        products = get("products").json()
        assert products["products"] and products["authorised_sellers"]
        assert {p["brand"].casefold() for p in products["products"]} <= mine
        assert all(p["organisation"] == MINE for p in products["products"])
        sellers = {s for p in products["products"] for s in p["authorised_sellers"]}
        assert {s["seller"] for s in products["authorised_sellers"]} == sellers

        seizures = get("seizures").json()["seizures"]
        truth = lake_rows(world.settings, "outcomes",
                          "SELECT lower(brand) AS brand FROM outcomes WHERE result = 'seized' "
                          "AND positive AND brand IS NOT NULL")  # fmt: skip
        assert {r["brand"] for r in truth} - mine, "the world seized no other brand's goods"
        assert seizures and {s["brand"].casefold() for s in seizures} <= mine

        complaints = get("complaints").json()
        assert [c["reason"] for c in complaints["complaints"]] == [f"notice of {MINE}"]
        assert complaints["counts"] == {"pending": 1}
        assert {p["marketplace"] for p in complaints["privileges"]} == {market}

        codes = get("codes").json()
        assert [k["key_id"] for k in codes["keys"]] == ["np-key-1"]
        assert "Lumina" not in str(codes) and "lu-key-1" not in str(codes)

"""Red team, marketplace protection (issue 11), as the attacker ran them.

M1: a brand that earned self-service removal at a marketplace took down a listing of another
brand's product. The removal needed only a notice scored valid, and validity weighs the
seller's record as much as the listing: a listing claiming neither the filer's brand nor one of
its GTINs (-2.5) by a seller with three earlier upheld notices (+2.0) scores 0.62, so NorthPeak
removed a listing claiming another brand, and the removal counted as one more strike against
its seller. A self-service removal is now for listings claiming the filer's brand or one of its
GTINs; any other notice is filed and left to the marketplace's review (nothing taken down).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from fastapi.testclient import TestClient

from ringfence.ingest.pipeline import ingest_files
from ringfence.service.app import create_app
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.complaints import ComplaintDraft
from tests.complaints.conftest import of_kind
from tests.service.world import World, lake_rows

API = "/api/v1"
BRAND, BRAND_NAME = "brand-northpeak", "NorthPeak"


@pytest.fixture(scope="module")
def strict_client(scratch_world: World) -> Iterator[TestClient]:
    settings = scratch_world.settings.model_copy(update={
        "complaint_privilege_min_decided": 2, "complaint_privilege_min_accuracy": 0.75,
        "repeat_infringer_strikes": 1000,
    })  # fmt: skip
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def _foreign_listing(world: World, market: str, skip: int = 0) -> dict[str, str]:
    """A listing of ``market`` claiming another brand, with none of NorthPeak's GTINs."""
    with OperationalStore.open(world.settings) as store:
        own = {n.casefold() for n in store.approved_brand_names(BRAND)}
    gtins = {str(r["gtin"]) for r in lake_rows(world.settings, "products",
             "SELECT gtin, brand FROM products") if str(r["brand"]).casefold() in own}  # fmt: skip
    rows = lake_rows(world.settings, "listings",
                     "SELECT source_key, brand, gtin FROM listings WHERE organisation = "
                     f"'{market}' AND brand IS NOT NULL ORDER BY source_key")  # fmt: skip
    found = [r for r in rows if str(r["brand"]).casefold() not in own
             and r["gtin"] and str(r["gtin"]) not in gtins]  # fmt: skip
    row = found[skip]
    return {"listing": str(row["source_key"]), "brand": str(row["brand"]),
            "gtin": str(row["gtin"])}  # fmt: skip


def _seller_of(world: World, market: str, listing: str) -> str:
    lake = lake_rows(world.settings, "listings",
                     f"SELECT seller_ref FROM listings WHERE organisation = '{market}' AND "
                     f"source_key = '{listing}'")[0]["seller_ref"]  # fmt: skip
    found = lake_rows(world.settings, "sellers",
                      f"SELECT source_key FROM sellers WHERE id = '{lake}'")  # fmt: skip
    return str(found[0]["source_key"]) if found else str(lake)


def _upheld(world: World, org: str, name: str, market: str, listing: str, seller: str | None,
            n: int) -> None:  # fmt: skip
    with OperationalStore.open(world.settings) as store:
        for _ in range(n):
            draft = ComplaintDraft(org, market, listing, seller, name, "fake", 0.9, True, "")
            row = store.file_complaint(draft, actor=f"someone@{org}")
            store.decide_complaint(row.id, market, "upheld", reason="x", actor="analyst")


def test_self_service_cannot_remove_another_brands_listing(
    strict_client: TestClient, scratch_world: World
) -> None:
    world, market = scratch_world, of_kind(scratch_world, "marketplace")[0]
    target = _foreign_listing(world, market)
    seller = _seller_of(world, market, target["listing"])
    other = next(b for b in of_kind(world, "brand") if b != BRAND)
    # three earlier notices against the seller upheld (another rights holder's, elsewhere)
    _upheld(world, other, target["brand"], market, "elsewhere-1", seller, 3)
    # NorthPeak earns the privilege: two of its notices upheld by the marketplace
    _upheld(world, BRAND, BRAND_NAME, market, "elsewhere-2", None, 2)
    body = {"marketplace": market, "listing": target["listing"], "brand": BRAND_NAME,
            "reason": "counterfeit", "take_down": True}  # fmt: skip
    got = strict_client.post(f"{API}/complaints", json=body,
                             headers=world.headers(BRAND, "brand_user"))  # fmt: skip
    assert got.status_code in (201, 403), got.text
    if got.status_code == 201:
        assert got.json()["self_service"]["done"] is False, got.text
        assert got.json()["complaint"]["status"] == "pending"
    actions = strict_client.get(f"{API}/listings/actions", headers=world.headers(market)).json()
    assert not [a for a in actions["actions"] if a["listing"] == target["listing"]
                and a["kind"] == "take_down"]  # fmt: skip


def test_own_products_feed_claiming_the_gtin_does_not_open_another_brands_listing(
    strict_client: TestClient, scratch_world: World, tmp_path: Path
) -> None:
    """M7: M1's gate took the GTIN from the filer's own products feed: NorthPeak ingested a
    products row naming NorthPeak with the GTIN of a listing claiming another brand, and
    removed that listing. A GTIN in the filer's catalogue now opens removal only when the
    listing names no other brand."""
    world, market = scratch_world, of_kind(scratch_world, "marketplace")[0]
    target = _foreign_listing(world, market, skip=1)  # not the listing M1's test used
    seller = _seller_of(world, market, target["listing"])
    other = next(b for b in of_kind(world, "brand") if b != BRAND)
    _upheld(world, other, target["brand"], market, "elsewhere-3", seller, 3)
    _upheld(world, BRAND, BRAND_NAME, market, "elsewhere-4", None, 2)
    path = tmp_path / "products.csv"
    pacsv.write_csv(pa.table({"id": ["np-fake"], "brand": [BRAND_NAME], "name": ["Anything"],
                              "gtin": [target["gtin"]]}), path)  # fmt: skip
    ingest_files(world.settings, "products", [path], organisation=BRAND)
    body = {"marketplace": market, "listing": target["listing"], "brand": BRAND_NAME,
            "reason": "counterfeit", "take_down": True}  # fmt: skip
    got = strict_client.post(f"{API}/complaints", json=body,
                             headers=world.headers(BRAND, "brand_user"))  # fmt: skip
    assert got.status_code == 201, got.text
    assert got.json()["self_service"]["done"] is False, got.text

"""Red team, marketplace protection (issue 11): whose products feed speaks for a brand.

M5: the brand catalogue that scores a notice's validity
(``complaints.facts._catalogue``), listing risk (``listings.catalogue.load_catalogue``) and the
seller model's listing features (``marketplace.data.LISTINGS_SQL``) reads every organisation's
``products`` rows for a brand name, not only the rows of the organisation that holds the brand's
approved registration. Another brand organisation ingested a products file naming NorthPeak
with a counterfeiter as its authorised seller: NorthPeak's next notice against that seller was
scored "the seller is an authorised seller of NorthPeak (-3.5)" (bad faith), so its self-service
removal is refused and the marketplace is told to doubt it; a low ``price_min`` likewise moves
the genuine floor. Fixed: where a brand is registered, a products row counts for it only when its
organisation holds the approved registration (``store/products.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from fastapi.testclient import TestClient

from ringfence.ingest.pipeline import ingest_files
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from tests.complaints.conftest import catalogue, of_kind
from tests.service.world import World

API = "/api/v1"
BRAND, BRAND_NAME = "brand-northpeak", "NorthPeak"


def _listings(world: World, market: str) -> list[dict[str, Any]]:
    lake, engine = Lake(world.settings), open_engine(world.settings)
    try:
        lake.register(engine, "listings")
        lake.register(engine, "sellers")
        return engine.query(
            "SELECT l.source_key AS listing, s.source_key AS seller, l.gtin FROM listings l JOIN"
            f" sellers s ON s.id = l.seller_ref WHERE l.organisation = '{market}' ORDER BY 1"
        ).to_pylist()
    finally:
        engine.close()


def _notice(client: TestClient, world: World, market: str, listing: str) -> dict:
    body = {"marketplace": market, "listing": listing, "brand": BRAND_NAME,
            "reason": "counterfeit"}  # fmt: skip
    filed = client.post(f"{API}/complaints", json=body,
                        headers=world.headers(BRAND, "brand_user"))  # fmt: skip
    assert filed.status_code == 201, filed.text
    number = filed.json()["complaint"]["id"]
    got = client.get(f"{API}/complaints/{number}", headers=world.headers(market))  # its side
    client.post(f"{API}/complaints/{number}/withdraw", json={"reason": "probe"},
                headers=world.headers(BRAND, "brand_user"))  # fmt: skip
    return dict(got.json()["complaint"])


def test_another_organisations_products_do_not_speak_for_a_brand(
    scratch_client: TestClient, scratch_world: World, tmp_path: Path
) -> None:
    world, market = scratch_world, of_kind(scratch_world, "marketplace")[0]
    authorised = catalogue(world, BRAND_NAME)[1]
    row = next(r for r in _listings(world, market) if r["seller"] not in authorised)
    before = _notice(scratch_client, world, market, row["listing"])
    assert not any("is an authorised seller of" in r for r in before["reasons"].split("; "))
    attacker = next(b for b in of_kind(world, "brand") if b != BRAND)
    path = tmp_path / "products.csv"
    pacsv.write_csv(pa.table({
        "id": ["fake-1"], "brand": [BRAND_NAME], "name": ["Anything"], "gtin": [row["gtin"]],
        "price_min": [1.0], "price_max": [2.0], "currency": ["EUR"],
        "authorised_sellers": [row["seller"]],
    }), path)  # fmt: skip
    ingest_files(world.settings, "products", [path], organisation=attacker)
    after = _notice(scratch_client, world, market, row["listing"])
    assert not any("is an authorised seller of" in r for r in after["reasons"].split("; ")), after

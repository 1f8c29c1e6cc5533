"""Red team, codes: ``GET /codes/listings`` judged a marketplace's listings on every
organisation's scans. A customs office scanning the same serial at two offices turned the
marketplace's listing into ``cloned_code_shown``, although ``GET /codes/scans`` showed the
marketplace its own scan unflagged and no customs scan: the listing flag was an oracle for scans
the marketplace may not read (scan a code, read the flag, learn whether customs saw it)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from ringfence.codes import format as code_format
from ringfence.codes import keys
from ringfence.service.app import create_app
from ringfence.store.operational import OperationalStore
from tests.service.world import World, lake_rows

API = "/api/v1"
GTIN = "4006381333931"


def _of_kind(world: World, kind: str) -> str:
    return next(slug for slug, k in sorted(world.kinds.items()) if k == kind)


def test_listing_flags_reveal_no_scan_the_marketplace_may_not_read(
    scratch_world: World, tmp_path: Path
) -> None:
    world = scratch_world
    market, customs = _of_kind(world, "marketplace"), _of_kind(world, "customs")
    brand_org = _of_kind(world, "brand")
    with OperationalStore.open(world.settings) as store:
        owned = {n.casefold() for n in store.approved_brand_names(brand_org)}
    listed = lake_rows(world.settings, "listings",
                       f"SELECT source_key, brand FROM listings WHERE organisation = '{market}' "
                       "AND brand IS NOT NULL AND coalesce(status, '') <> 'removed'")  # fmt: skip
    mine = [r for r in listed if r["brand"].strip().casefold() in owned]
    assert mine, "the world's brand owns no listed brand"
    brand = mine[0]["brand"].strip()
    keys.keygen(brand, tmp_path / "k", tmp_path / "p")
    public = keys.load_public(tmp_path / "p")
    with OperationalStore.open(world.settings) as store:
        store.register_code_key(brand_org, brand, public.key_id, keys.b64(public.raw), actor="t")
    code = code_format.issue(keys.load_private(tmp_path / "k"), GTIN, 1)[0]
    listing = sorted(r["source_key"] for r in mine if r["brand"].strip() == brand)[0]
    with TestClient(create_app(world.settings)) as client:

        def scan(org: str, place: str) -> None:
            done = client.post(f"{API}/codes/scans", json={"code": code, "place": place},
                               headers=world.headers(org))  # fmt: skip
            assert done.status_code == 201, done.text

        def flag_of_listing() -> str | None:
            shown = client.get(f"{API}/codes/listings", headers=world.headers(market)).json()
            return next((r["flag"] for r in shown["listings"] if r["listing"] == listing), None)

        scan(market, listing)
        assert flag_of_listing() is None  # a valid code shown: the listing is cleared
        scan(customs, "Rotterdam")
        scan(customs, "Antwerp")  # a clone, but one only customs (and its partners) may know of
        own = client.get(f"{API}/codes/scans", headers=world.headers(market)).json()["scans"]
        assert [(s["organisation"], s["flags"]) for s in own] == [(market, [])]
        assert flag_of_listing() is None
        for place in ("other-listing-1", "other-listing-2"):
            scan(market, place)  # the marketplace's own copies: its to see
        assert flag_of_listing() == "cloned_code_shown"

"""Codes through the API: only customs, carriers and marketplaces record scans; clone flags;
a scan is visible to its scanner and, through an agreement, to the brand, never to strangers;
verification of garbage and oversized input."""

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


def test_scans_flags_and_the_policy_gate(scratch_world: World, tmp_path: Path) -> None:
    world = scratch_world
    customs, carrier = _of_kind(world, "customs"), _of_kind(world, "carrier")
    market, brand_org = _of_kind(world, "marketplace"), _of_kind(world, "brand")
    keys.keygen("Codebrand", tmp_path / "k", tmp_path / "p")
    private, public = keys.load_private(tmp_path / "k"), keys.load_public(tmp_path / "p")
    with OperationalStore.open(world.settings) as store:
        store.approve_brand(store.register_brand(brand_org, "Codebrand", actor="t"), actor="t")
        store.register_code_key(brand_org, "Codebrand", public.key_id, keys.b64(public.raw),
                                actor="t")  # fmt: skip
    genuine, copied = code_format.issue(private, GTIN, 2)
    with TestClient(create_app(world.settings)) as client:

        def scan(org: str, code: str, place: str, role: str = "admin") -> dict:
            done = client.post(f"{API}/codes/scans", json={"code": code, "place": place},
                               headers=world.headers(org, role))  # fmt: skip
            assert done.status_code == 201, done.text
            return done.json()["scan"]

        first = scan(customs, genuine, "Rotterdam")
        assert (first["valid"], first["brand"], first["flags"]) == (True, "Codebrand", [])
        assert scan(carrier, genuine, "parcel-7")["flags"] == []  # customs then carrier: fine
        scan(customs, copied, "Rotterdam")
        assert scan(customs, copied, "Antwerp")["flags"] == ["two_places"]
        forged = scan(customs, genuine[:-2] + "AA", "Rotterdam")
        assert (forged["valid"], forged["serial"], forged["flags"]) == (False, None, ["invalid"])
        refused = client.post(f"{API}/codes/scans", json={"code": genuine, "place": "HQ"},
                              headers=world.headers(brand_org))  # fmt: skip
        assert refused.status_code == 403

        # The carrier sees its own scan only: customs' second place is not its to know.
        own = client.get(f"{API}/codes/scans", headers=world.headers(carrier)).json()["scans"]
        assert [(s["organisation"], s["flags"]) for s in own] == [(carrier, [])]
        assert client.get(f"{API}/codes/scans", headers=world.headers(market)).json()[
            "scans"] == []  # fmt: skip
        assert client.get(f"{API}/codes/scans", headers=world.headers(brand_org)).json()[
            "scans"] == []  # fmt: skip
        with OperationalStore.open(world.settings) as store:
            store.create_sharing_agreement(owner=customs, recipient=brand_org,
                                           dataset="code_scans", fields=["*"],
                                           row_filter={"brand": "$recipient_brands"},
                                           actor="t")  # fmt: skip
        shared = client.get(f"{API}/codes/scans", headers=world.headers(brand_org)).json()
        assert {s["organisation"] for s in shared["scans"]} == {customs}
        assert sorted(tuple(s["flags"]) for s in shared["scans"] if s["valid"]) == [
            (), ("two_places",), ("two_places",)]  # fmt: skip
        assert all(s["brand"] == "Codebrand" for s in shared["scans"] if s["valid"])

        checked = client.post(f"{API}/codes/verify", json={"codes": [genuine, "junk"]},
                              headers=world.headers(market)).json()  # fmt: skip
        assert [c["valid"] for c in checked["codes"]] == [True, False]
        assert checked["all_valid"] is False
        too_many = client.post(f"{API}/codes/verify", json={"codes": ["x"] * 101},
                               headers=world.headers(market))  # fmt: skip
        assert too_many.status_code == 422
        huge = client.post(f"{API}/codes/scans", json={"code": "A" * 5000, "place": "x"},
                           headers=world.headers(customs))  # fmt: skip
        assert huge.status_code == 422
        anonymous = client.get(f"{API}/codes/scans")
        assert anonymous.status_code == 401
    with OperationalStore.open(world.settings) as store:
        assert [e.action for e in store.audit_entries()].count("code.scan") == 5


def test_a_marketplace_sees_its_listings_without_codes(
    scratch_world: World, tmp_path: Path
) -> None:
    world = scratch_world
    market = _of_kind(world, "marketplace")
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
    wanted = {r["source_key"] for r in mine if r["brand"].strip().casefold() == brand.casefold()}
    with TestClient(create_app(world.settings)) as client:
        shown = client.get(f"{API}/codes/listings", headers=world.headers(market)).json()
        assert {r["listing"] for r in shown["listings"]} == wanted
        assert {r["flag"] for r in shown["listings"]} == {"no_code_shown"}
        code = code_format.issue(keys.load_private(tmp_path / "k"), GTIN, 1)[0]
        first = sorted(wanted)[0]
        scanned = client.post(f"{API}/codes/scans", json={"code": code, "place": first},
                              headers=world.headers(market))  # fmt: skip
        assert scanned.status_code == 201 and scanned.json()["scan"]["valid"]
        again = client.get(f"{API}/codes/listings", headers=world.headers(market)).json()
        assert {r["listing"] for r in again["listings"]} == wanted - {first}
        other = _of_kind(world, "customs")
        assert client.get(f"{API}/codes/listings", headers=world.headers(other)).json()[
            "listings"] == []  # fmt: skip

"""Red team, codes (like M4, through row filters): ``GET /codes/scans?limit=N`` and the brand
portal's ``GET /brand-portal/codes?limit=N`` read the newest N scans of the owners the gate may
pass and then dropped the rows an owner's agreement does not admit. A brand that customs shares
its own brand's scans with (``brand = $recipient_brands``, the standing agreement) asked for
``limit=1`` and got nothing once customs had scanned other brands' codes after its own: raising
N until its scan appears tells how many scans of other brands customs recorded since. The limit
now counts only rows the gate passes. Runs on SQLite and PostgreSQL (``scratch_world``)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ringfence.service.app import create_app
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.codes import ScanDraft
from tests.service.world import World

API = "/api/v1"
GTIN = "4006381333931"


def _of_kind(world: World, kind: str) -> str:
    return next(slug for slug, k in sorted(world.kinds.items()) if k == kind)


def _scan(store: OperationalStore, org: str, place: str, brand: str, serial: str) -> None:
    draft = ScanDraft(org, place, f"code-{serial}", True, brand, GTIN, serial, "k1", None)
    store.record_code_scan(draft, actor=f"officer@{org}")


def test_the_limit_counts_only_scans_the_agreement_admits(scratch_world: World) -> None:
    world = scratch_world
    customs, brand_org = _of_kind(world, "customs"), _of_kind(world, "brand")
    with OperationalStore.open(world.settings) as store:
        store.approve_brand(store.register_brand(brand_org, "Limitbrand", actor="t"), actor="t")
        store.create_sharing_agreement(owner=customs, recipient=brand_org, dataset="code_scans",
                                       fields=["*"], row_filter={"brand": "$recipient_brands"},
                                       actor="t")  # fmt: skip
        _scan(store, customs, "Rotterdam", "Limitbrand", "s0")
        for i in range(5):  # other brands' codes, scanned after: not the brand's to know of
            _scan(store, customs, "Rotterdam", "Otherbrand", f"o{i}")
    with TestClient(create_app(world.settings)) as client:
        got = client.get(f"{API}/codes/scans", params={"limit": 1},
                         headers=world.headers(brand_org))  # fmt: skip
        assert got.status_code == 200, got.text
        assert [s["serial"] for s in got.json()["scans"]] == ["s0"], got.text
        every = client.get(f"{API}/codes/scans", headers=world.headers(brand_org)).json()
        assert [s["serial"] for s in every["scans"]] == ["s0"]


def test_the_portal_limit_counts_only_scans_the_agreement_admits(scratch_world: World) -> None:
    world = scratch_world  # another brand and scanner than the test above (the same world)
    carrier = _of_kind(world, "carrier")
    brand_org = sorted(slug for slug, k in world.kinds.items() if k == "brand")[-1]
    with OperationalStore.open(world.settings) as store:
        store.approve_brand(store.register_brand(brand_org, "Portalbrand", actor="t"), actor="t")
        store.create_sharing_agreement(owner=carrier, recipient=brand_org, dataset="code_scans",
                                       fields=["*"], row_filter={"place": "depot-a"},
                                       actor="t")  # fmt: skip
        _scan(store, carrier, "depot-a", "Portalbrand", "p0")
        for i in range(5):  # its brand, at a depot whose scans the carrier does not share
            _scan(store, carrier, "depot-b", "Portalbrand", f"b{i}")
    with TestClient(create_app(world.settings)) as client:
        got = client.get(f"{API}/brand-portal/codes", params={"limit": 1},
                         headers=world.headers(brand_org, "brand_user"))  # fmt: skip
        assert got.status_code == 200, got.text
        assert [s["serial"] for s in got.json()["scans"]] == ["p0"], got.text

"""Listing actions through the API: only the marketplace's own staff act on its own listings,
every action has a reason, an expiry in the future and an audit entry; partners read actions
only through an agreement, cut to its fields; attackers (another marketplace, a brand, past
expiry, unknown keys, a second release) are refused without changing anything."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from ringfence.service.app import create_app
from ringfence.store.operational import OperationalStore
from tests.service.world import World, lake_rows

API = "/api/v1"
RIVAL = "rival-market"


def _of_kind(world: World, kind: str) -> str:
    return next(slug for slug, k in sorted(world.kinds.items()) if k == kind)


def test_actions_are_the_marketplaces_own_audited_and_gated(scratch_world: World) -> None:
    world = scratch_world
    market, brand_org = _of_kind(world, "marketplace"), _of_kind(world, "brand")
    listing, other = (
        r["source_key"]
        for r in lake_rows(
            world.settings,
            "listings",
            f"SELECT source_key FROM listings WHERE organisation = '{market}' ORDER BY 1 LIMIT 2",
        )
    )
    with OperationalStore.open(world.settings) as store:
        store.ensure_organisation(RIVAL, "Rival Market", "marketplace")
        rival = {"Authorization": f"Bearer {store.create_api_key(RIVAL)}"}
    own = world.headers(market)
    until = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=90)
    with TestClient(create_app(world.settings)) as client:
        body = {
            "kind": "hold",
            "listing": listing,
            "reason": "price 10% of genuine",
            "expires": until.isoformat(),
        }
        # Attackers first: nothing they send may be stored.
        assert client.post(f"{API}/listings/actions", json=body, headers=rival).status_code == 404
        refused = client.post(
            f"{API}/listings/actions", json=body, headers=world.headers(brand_org)
        )
        assert refused.status_code == 403
        past = client.post(
            f"{API}/listings/actions", json={**body, "expires": "2020-01-01"}, headers=own
        )
        assert past.status_code == 400 and "not in the future" in past.text
        smuggled = client.post(
            f"{API}/listings/actions", json={**body, "organisation": RIVAL}, headers=own
        )
        assert smuggled.status_code == 422 and "organisation" in smuggled.text
        stock = client.post(
            f"{API}/listings/actions",
            json={"kind": "hold_stock", "seller": "no-such-seller", "gtin": "1", "reason": "r"},
            headers=own,
        )
        assert stock.status_code == 404
        with OperationalStore.open(world.settings) as store:
            assert store.listing_actions() == []

        made = client.post(f"{API}/listings/actions", json=body, headers=own)
        assert made.status_code == 201, made.text
        action = made.json()["action"]
        assert (action["state"], action["listing"], action["organisation"]) == (
            "active",
            listing,
            market,
        )
        assert action["expires_at"].startswith(f"{until + dt.timedelta(days=1)}T00:00:00")
        down = client.post(
            f"{API}/listings/actions",
            headers=own,
            json={"kind": "take_down", "listing": other, "reason": "fake"},
        )
        assert down.status_code == 201
        assert down.json()["action"]["expires_at"] > action["created_at"]  # the default expiry

        # Another marketplace cannot end it; the wrong ending and a second release are refused.
        path = f"{API}/listings/actions/{action['id']}"
        assert (
            client.post(f"{path}/release", json={"reason": "x"}, headers=rival).status_code == 404
        )
        wrong = client.post(f"{path}/reinstate", json={"reason": "x"}, headers=own)
        assert wrong.status_code == 400 and "ends with release" in wrong.text
        done = client.post(
            f"{path}/release", json={"reason": "seller showed invoices"}, headers=own
        )
        assert done.status_code == 200 and done.json()["action"]["state"] == "released"
        again = client.post(f"{path}/release", json={"reason": "twice"}, headers=own)
        assert again.status_code == 409

        # Partners see nothing without an agreement, then only the agreed fields.
        listed = client.get(f"{API}/listings/actions", headers=world.headers(brand_org)).json()
        assert listed["actions"] == []
        assert client.get(f"{API}/listings/actions", headers=rival).json()["actions"] == []
        with OperationalStore.open(world.settings) as store:
            store.create_sharing_agreement(
                owner=market,
                recipient=brand_org,
                dataset="listing_actions",
                fields=["kind", "listing", "state"],
                actor="t",
            )
        shown = client.get(f"{API}/listings/actions", headers=world.headers(brand_org)).json()
        assert {a["kind"] for a in shown["actions"]} == {"hold", "take_down"}
        assert all("reason" not in a and "actor" not in a for a in shown["actions"])
        assert client.get(f"{API}/listings/actions", headers=rival).json()["actions"] == []

    with OperationalStore.open(world.settings) as store:
        entries = [e for e in store.audit_entries() if e.action.startswith("listing.")]
        assert store.verify_audit().ok
    kinds = sorted(e.action for e in entries)
    assert kinds == ["listing.hold", "listing.release", "listing.take_down"]
    assert all(e.organisation == market and e.actor != "t" for e in entries)

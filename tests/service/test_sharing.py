"""The sharing policy: standing agreements, field-level cuts, row filters, grant and revoke."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ringfence.store.operational import OperationalStore
from tests.service.world import OUTSIDER, OUTSIDER_NAME, OUTSIDER_NOTE, World, lake_rows

API = "/api/v1"


def _watchlist_entries(client: TestClient, world: World, organisation: str) -> list[dict]:
    """Every listing behind the watchlist rows (a row groups the listings of one party)."""
    rows: list[dict] = []
    page, pages = 1, 1
    while page <= pages:
        body = client.get(
            f"{API}/watchlist?page={page}", headers=world.headers(organisation)
        ).json()
        rows += [e for item in body["items"] for e in item["entries"]]
        page, pages = page + 1, body["paging"]["pages"]
    return rows


def _watchlist_names(client: TestClient, world: World, organisation: str) -> dict[str, dict]:
    return {e["id"]: e for e in _watchlist_entries(client, world, organisation)}


def test_customs_reads_marketplace_watchlist_identifiers_but_not_notes(
    client: TestClient, world: World
) -> None:
    truth = lake_rows(
        world.settings,
        "watchlist",
        "SELECT id, name, phone, notes FROM watchlist WHERE organisation = 'bazaar'",
    )
    seen = _watchlist_names(client, world, "customs-nl")
    assert truth and all(r["id"] in seen for r in truth)
    for row in truth:
        entry = seen[row["id"]]
        assert (entry["name"], entry.get("phone")) == (row["name"], row["phone"])
        assert "notes" not in entry and "evidence_ref" not in entry
    own = _watchlist_names(client, world, "bazaar")
    assert any(e.get("notes") for e in own.values())  # the owner reads its own notes


def test_brand_sees_only_its_own_brands_seizures(client: TestClient, world: World) -> None:
    brands = {
        r["organisation"]: {r["name"], *(r["aliases"] or [])}
        for r in lake_rows(
            world.settings, "brands", "SELECT organisation, name, aliases FROM brands"
        )
    }
    truth = lake_rows(
        world.settings,
        "outcomes",
        "SELECT id, brand FROM outcomes WHERE result = 'seized' AND positive "
        "AND organisation = 'customs-nl'",
    )
    assert len({r["brand"] for r in truth}) > 1  # several brands: the filter has work to do
    for brand_org in ("brand-northpeak", "brand-lumina"):
        items = client.get(f"{API}/seizures", headers=world.headers(brand_org, "brand_user"))
        got = {i["id"] for i in items.json()["items"] if not i["id"].startswith("recorded-")}
        expected = {r["id"] for r in truth if r["brand"] in brands[brand_org]}
        assert got == expected
        # Seizures recorded in the service (other tests may have added some) obey it too.
        assert all(i["brand"] in brands[brand_org] for i in items.json()["items"])
        for item in items.json()["items"]:
            assert "shipment_ref" not in item and "source_file" not in item  # facts only


def test_carrier_sees_holds_on_its_own_parcels(client: TestClient, world: World) -> None:
    truth = lake_rows(
        world.settings,
        "outcomes",
        "SELECT o.id FROM outcomes o JOIN shipments s ON s.id = o.shipment_ref "
        "WHERE o.result = 'seized' AND o.positive AND s.organisation = 'swiftpost'",
    )
    items = client.get(f"{API}/seizures", headers=world.headers("swiftpost")).json()["items"]
    got = {i["id"] for i in items if not i["id"].startswith("recorded-")}
    assert got == {r["id"] for r in truth}
    assert all(i.get("shipment_organisation") == "swiftpost" for i in items)


def test_grant_and_revoke_change_what_is_visible(client: TestClient, world: World) -> None:
    outsider, customs = world.headers(OUTSIDER), world.headers("customs-nl")

    def outsider_entries() -> list[dict]:
        entries = _watchlist_entries(client, world, "customs-nl")
        return [e for e in entries if e["organisation"] == OUTSIDER]

    assert outsider_entries() == []
    body = {
        "recipient": "customs-nl",
        "dataset": "watchlist",
        "fields": ["name", "country"],
        "purpose": "test",
    }
    created = client.post(f"{API}/sharing", json=body, headers=outsider)
    assert created.status_code == 201, created.text
    shared = outsider_entries()
    assert [e["name"] for e in shared] == [OUTSIDER_NAME]
    assert set(shared[0]) == {"id", "organisation", "name", "country"}
    assert OUTSIDER_NOTE not in str(shared)
    received = client.get(f"{API}/sharing", headers=customs).json()["received"]
    assert created.json()["id"] in {a["id"] for a in received}
    revoked = client.delete(f"{API}/sharing/{created.json()['id']}", headers=outsider)
    assert revoked.json()["revoked_at"] is not None
    assert outsider_entries() == []
    with OperationalStore.open(world.settings) as store:
        actions = [(e.action, e.detail.get("agreement")) for e in store.audit_entries(limit=5)]
        assert store.verify_audit().ok
    assert ("sharing.grant", created.json()["id"]) in actions
    assert ("sharing.revoke", created.json()["id"]) in actions


def test_row_filter_placeholder_matches_recipient(client: TestClient, world: World) -> None:
    """A filter on the recipient's own slug lets only matching rows through."""
    body = {
        "recipient": "bazaar",
        "dataset": "shipments",
        "fields": ["date", "port"],
        "row_filter": {"organisation": "nobody-at-all"},
    }
    created = client.post(f"{API}/sharing", json=body, headers=world.headers(OUTSIDER)).json()
    try:
        shipment = lake_rows(
            world.settings,
            "shipments",
            f"SELECT id FROM shipments WHERE organisation = '{OUTSIDER}' LIMIT 1",
        )[0]
        response = client.get(f"{API}/shipments/{shipment['id']}", headers=world.headers("bazaar"))
        assert response.status_code == 404  # the filter admits no row
    finally:
        client.delete(f"{API}/sharing/{created['id']}", headers=world.headers(OUTSIDER))


def test_unknown_dataset_or_self_share_is_refused(client: TestClient, world: World) -> None:
    headers = world.headers("bazaar")
    unknown = {"recipient": "customs-nl", "dataset": "secrets", "fields": ["*"]}
    assert client.post(f"{API}/sharing", json=unknown, headers=headers).status_code == 400
    itself = {"recipient": "bazaar", "dataset": "watchlist", "fields": ["*"]}
    assert client.post(f"{API}/sharing", json=itself, headers=headers).status_code == 400


def test_gate_decides_a_shared_row_field_by_field() -> None:
    """Per-field ownership in the gate itself: an entity both A and B know, read by R with
    A's grant of every field and B's grant of the name only."""
    from ringfence.service.sharing import PARTS, Grant, Policy

    row = {
        "entity_id": "en-1",
        "name": "Acme Ltd",
        "phones": ["+1", "+2"],
        "mention_count": 3,
        "watchlisted": True,
        "organisations": ["a", "b"],
        PARTS: {
            "a": {"name": "ACME", "phones": ["+1"], "mention_count": 1,
                  "watchlisted": False, "organisations": ["a"]},
            "b": {"name": "Acme Ltd", "phones": ["+2"], "mention_count": 2,
                  "watchlisted": True, "organisations": ["b"]},
        },
    }  # fmt: skip
    grants = [Grant("a", None, {}), Grant("b", frozenset({"name"}), {})]
    (shown,) = Policy("r", {"entities": grants}).visible("entities", [row])
    assert shown == {
        "entity_id": "en-1",
        "name": "Acme Ltd",  # B consents to the name, and B's records hold the row's name
        "phones": ["+1"],  # B's phone stays B's
        "mention_count": 1,
        "watchlisted": False,  # only B's records watchlist it
        "organisations": ["a"],
    }
    # As B itself: its own part whole, A's part as A grants (everything).
    (own,) = Policy("b", {"entities": [Grant("a", None, {})]}).visible("entities", [row])
    assert own["phones"] == ["+1", "+2"] and own["mention_count"] == 3
    # Without parts (a row built from an index) a field needs every owner's consent.
    bare = {k: v for k, v in row.items() if k != PARTS}
    (cut,) = Policy("r", {"entities": grants}).visible("entities", [bare])
    assert cut == {"entity_id": "en-1", "name": "Acme Ltd"}
    assert Policy("r", {}).visible("entities", [row]) == []  # no grant: not visible at all

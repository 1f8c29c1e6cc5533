"""Issue 15, findings 2-4, as an attacker probes them: each test is the attack, and what a
partner must not get out of it. Ground truth comes from the lake and the agreements, not from
the policy code under test."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from ringfence.ingest import ingest_files
from ringfence.store.operational import OperationalStore
from tests.service.world import World, lake_rows

API = "/api/v1"


def _lake(world: World, sql: str, *datasets: str) -> list[dict[str, Any]]:
    """Rows of ``sql`` over several lake datasets (tests' own ground truth)."""
    from ringfence.store.engine import open_engine
    from ringfence.store.lake import Lake

    lake, engine = Lake(world.settings), open_engine(world.settings)
    try:
        for name in datasets:
            lake.register(engine, name)
        return engine.query(sql).to_pylist()
    finally:
        engine.close()


# -- finding 2: a brand's own alias file widens its scope ------------------------------------


def _seizure_ids(client: TestClient, world: World, organisation: str) -> dict[str, str]:
    headers = world.headers(organisation, "brand_user")
    items = client.get(f"{API}/seizures", headers=headers).json()["items"]
    return {i["id"]: i.get("brand") for i in items}


def test_brand_alias_file_does_not_widen_what_a_brand_sees(
    scratch_client: TestClient, scratch_world: World, tmp_path: Path
) -> None:
    """brand-lumina uploads a brands file naming every seized brand as an alias of its own."""
    world, attacker = scratch_world, "brand-lumina"
    seized = lake_rows(
        world.settings,
        "outcomes",
        "SELECT DISTINCT brand FROM outcomes WHERE result = 'seized' AND positive "
        "AND organisation = 'customs-nl' AND brand IS NOT NULL",
    )
    with OperationalStore.open(world.settings) as store:
        own = {n.casefold() for n in store.approved_brand_names(attacker)}
    others = sorted(r["brand"] for r in seized if r["brand"].casefold() not in own)
    assert others  # other brands' goods were seized: there is something to steal
    before = _seizure_ids(scratch_client, world, attacker)

    path = tmp_path / "brands.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "aliases"])
        writer.writerow(["evil-1", "Lumina", ";".join(others)])
    ingest_files(world.settings, "brands", [path], organisation=attacker)

    after = _seizure_ids(scratch_client, world, attacker)
    assert after == before
    assert all((brand or "").casefold() in own for brand in after.values())
    dashboard = scratch_client.get(
        f"{API}/dashboard?days=3650", headers=world.headers(attacker, "brand_user")
    ).json()
    assert {c["key"] for c in dashboard["seizures_by_brand"]} <= {b for b in after.values() if b}


def test_brand_registration_needs_an_outside_approver(
    scratch_client: TestClient, scratch_world: World
) -> None:
    """A brand can ask for any name, but only customs / IP-crime admins approve, never itself;
    a name another brand holds is refused; every step is audited."""
    world = scratch_world
    body = {"brand": "Tindra", "aliases": ["Tindra Toys"], "evidence": "EUTM 000123"}
    created = scratch_client.post(f"{API}/brands", json=body, headers=world.headers("brand-lumina"))
    assert created.status_code == 201, created.text
    registration = created.json()
    assert registration["status"] == "pending"
    path = f"{API}/brands/{registration['id']}/approve"
    assert scratch_client.post(path, headers=world.headers("brand-lumina")).status_code == 403
    assert scratch_client.post(path, headers=world.headers("bazaar")).status_code == 404
    approved = scratch_client.post(path, headers=world.headers("customs-nl"))
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    stolen = {"brand": "Glacier Line", "aliases": []}
    claim = scratch_client.post(f"{API}/brands", json=stolen, headers=world.headers("brand-lumina"))
    refused = scratch_client.post(
        f"{API}/brands/{claim.json()['id']}/approve", headers=world.headers("customs-nl")
    )
    assert refused.status_code == 409  # brand-northpeak holds that name
    with OperationalStore.open(world.settings) as store:
        actions = [e.action for e in store.audit_entries(limit=10)]
        assert "tindra" in {n.casefold() for n in store.approved_brand_names("brand-lumina")}
    assert {"brand.register", "brand.approve"} <= set(actions)
    revoked = scratch_client.delete(
        f"{API}/brands/{registration['id']}", headers=world.headers("brand-lumina")
    )
    assert revoked.json()["status"] == "revoked"


# -- finding 3: network expansion copies link values from records nobody shared ------------


def _norm(value: Any) -> str:
    return re.sub(r"[\W_]+", "", str(value or "")).casefold()


def _readable_values(world: World, organisation: str) -> dict[str, set[str]]:
    """Normalised identifier values of the party records ``organisation`` may read (its own
    and those of owners with a live agreement on ``parties`` naming the field or '*')."""
    with OperationalStore.open(world.settings) as store:
        grants = [
            a
            for a in store.sharing_agreements(recipient=organisation)
            if a.dataset == "parties" and not a.row_filter
        ]
    owners = {organisation: {"*"}}
    for grant in grants:
        owners.setdefault(grant.owner, set()).update(grant.fields)
    values: dict[str, set[str]] = {}
    parties = lake_rows(world.settings, "parties", "SELECT * FROM parties")
    for party in parties:
        fields = owners.get(party["organisation"])
        if fields is None:
            continue

        def can(*names: str, fields: set[str] = fields) -> bool:
            return "*" in fields or all(n in fields for n in names)

        for kind in ("phone", "email", "bank_account", "identifier", "website"):
            if can(kind) and party.get(kind):
                values.setdefault(kind, set()).add(_norm(party[kind]))
        if can("street", "city", "country") and party.get("street"):
            written = ", ".join(
                str(party[f]) for f in ("street", "city", "country") if party.get(f)
            )
            values.setdefault("address", set()).add(_norm(written))
    # Product links: codes of the organisation's own listings (nobody grants it listings).
    listings = lake_rows(
        world.settings,
        "listings",
        f"SELECT gtin FROM listings WHERE organisation = '{organisation}' AND gtin IS NOT NULL",
    )
    values["product"] = {_norm(r["gtin"]) for r in listings}
    return values


def _linked_entities(world: World, owner: str, limit: int = 12) -> list[str]:
    """Entities of ``owner``'s party records that share a phone or e-mail with another entity."""
    rows = _lake(
        world,
        "WITH m AS (SELECT em.entity_id, p.phone, p.email FROM entity_mentions em "
        f"JOIN parties p ON p.id = em.mention_id WHERE p.organisation = '{owner}'), "
        "shared AS (SELECT phone FROM m WHERE phone IS NOT NULL GROUP BY phone "
        "HAVING count(DISTINCT entity_id) > 1) "
        "SELECT DISTINCT entity_id FROM m WHERE phone IN (SELECT phone FROM shared) "
        f"ORDER BY entity_id LIMIT {limit}",
        "entity_mentions",
        "parties",
    )
    return [r["entity_id"] for r in rows]


def _edges(client: TestClient, world: World, organisation: str, entity: str) -> list[dict]:
    response = client.get(f"{API}/entities/{entity}?hops=1", headers=world.headers(organisation))
    assert response.status_code == 200, response.text
    return list(response.json()["edges"])


def test_network_links_show_only_values_of_readable_records(
    client: TestClient, world: World
) -> None:
    """The marketplace expands carrier entities: the carrier shares no party records with it,
    so no phone, e-mail or address of the carrier's parties may come back as a link value."""
    entities = _linked_entities(world, "swiftpost")
    assert entities
    readable = _readable_values(world, "bazaar")
    seen = 0
    for entity in entities:
        for edge in _edges(client, world, "bazaar", entity):
            seen += 1
            if edge["value"] is None:
                continue
            assert edge["kind"] in readable, f"{entity}: {edge}"
            assert _norm(edge["value"]) in readable[edge["kind"]], f"{entity}: {edge}"
    assert seen  # the marketplace does see the links (their kinds), just not the values

    # Customs is granted the carrier's party records: it does see the values.
    customs_values = [
        edge["value"]
        for entity in entities
        for edge in _edges(client, world, "customs-nl", entity)
        if edge["kind"] == "phone"
    ]
    assert any(customs_values)
    customs_readable = _readable_values(world, "customs-nl")
    assert all(_norm(v) in customs_readable["phone"] for v in customs_values if v)


def test_network_html_links_table_obeys_the_policy(client: TestClient, world: World) -> None:
    """The entity page draws the same links: no carrier phone, e-mail or address in the
    marketplace's HTML (unless the marketplace's own records hold it too)."""
    entities = _linked_entities(world, "swiftpost", limit=6)
    own = _readable_values(world, "bazaar")
    carrier = lake_rows(
        world.settings,
        "parties",
        "SELECT phone, lower(trim(email)) AS email, "
        "concat_ws(', ', street, city, country) AS address FROM parties "
        "WHERE organisation = 'swiftpost'",
    )
    forms = {
        (kind, str(row[kind]))
        for row in carrier
        for kind in ("phone", "email", "address")
        if row[kind] and _norm(row[kind]) not in own.get(kind, set())
    }
    for entity in entities:
        page = client.get(f"/entities/{entity}?hops=1", headers=world.headers("bazaar"))
        assert page.status_code == 200
        text = html.unescape(page.text)
        leaked = [form for form in forms if form[1] in text]
        assert not leaked, f"{entity}: {leaked[:3]}"


# -- finding 4: one co-owner's "share everything" shares the other owners' data too -------


def test_co_owner_shares_only_what_its_own_records_hold(
    scratch_client: TestClient, scratch_world: World
) -> None:
    """The carrier grants the marketplace every field of the entities it knows; entities it
    shares with customs carry customs' identifiers and addresses, which stay customs'."""
    world = scratch_world
    rows = _lake(
        world,
        "SELECT em.entity_id, p.organisation, p.phone, p.identifier, p.street "
        "FROM entity_mentions em JOIN parties p ON p.id = em.mention_id "
        "WHERE em.entity_id IN (SELECT entity_id FROM entities "
        "WHERE list_sort(organisations) = ['customs-nl', 'swiftpost'])",
        "entity_mentions",
        "parties",
        "entities",
    )
    held: dict[str, dict[str, set[str]]] = {}
    for row in rows:
        own = held.setdefault(row["entity_id"], {}).setdefault(row["organisation"], set())
        own.update(str(row[f]) for f in ("phone", "identifier", "street") if row[f])
    targets = sorted(
        e
        for e, by in held.items()
        if by.get("customs-nl", set()) - by.get("swiftpost", set()) and by.get("swiftpost")
    )[:5]
    assert targets
    grant = {"recipient": "bazaar", "dataset": "entities", "fields": ["*"], "purpose": "test"}
    created = scratch_client.post(f"{API}/sharing", json=grant, headers=world.headers("swiftpost"))
    assert created.status_code == 201, created.text
    try:
        for entity in targets:
            response = scratch_client.get(
                f"{API}/entities/{entity}", headers=world.headers("bazaar")
            )
            assert response.status_code == 200, response.text
            shown = response.json()["entity"]
            customs_only = held[entity]["customs-nl"] - held[entity]["swiftpost"]
            leaked = [v for v in customs_only if v in str(shown)]
            assert not leaked, f"{entity}: {leaked}"
            assert set(shown.get("phones") or []) <= held[entity]["swiftpost"]
            assert shown.get("phones")  # the carrier's own phones are shared
            # Customs' standing agreement with the marketplace shares which parties it knows
            # (seed.BORDER_SIGHTINGS) and nothing more of its records.
            assert shown.get("organisations") == ["customs-nl", "swiftpost"]
    finally:
        scratch_client.delete(
            f"{API}/sharing/{created.json()['id']}", headers=world.headers("swiftpost")
        )

"""Red team F2, as the attacker ran it: screening compared the query with every owner's
e-mails and phones, so a partner not granted them learnt whether an entity has this e-mail
("email identical", score 0.9996), another one ("email differs") or none at all.

A match's score and reasons may depend only on values the caller may read: the carrier's own
e-mail, asked by the marketplace, moves nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.service.world import World, lake_rows

API = "/api/v1"
OWNER, ATTACKER = "swiftpost", "bazaar"


def _secret(client: TestClient, world: World, headers: dict[str, str]) -> dict[str, Any]:
    """An entity only the carrier knows, with an e-mail the attacker's profile does not show."""
    rows = lake_rows(
        world.settings,
        "entities",
        "SELECT entity_id, name, emails FROM entities WHERE len(emails) > 0 "
        f"AND organisations = ['{OWNER}'] ORDER BY entity_id LIMIT 40",
    )
    for row in rows:
        profile = client.get(f"{API}/entities/{row['entity_id']}?hops=1", headers=headers)
        if profile.status_code == 200 and not profile.json()["entity"].get("emails"):
            return row
    raise AssertionError("no carrier-only entity with a hidden e-mail: nothing to probe")


def _match(client: TestClient, headers: dict[str, str], query: dict[str, Any], entity: str) -> Any:
    found = client.post(f"{API}/screen", json=query | {"limit": 50}, headers=headers)
    assert found.status_code == 200
    return next((m for m in found.json()["matches"] if m["entity_id"] == entity), None)


def test_screening_does_not_confirm_identifiers_the_owner_keeps(
    client: TestClient, world: World
) -> None:
    role = next(r for (o, r) in world.keys if o == ATTACKER)
    headers = world.headers(ATTACKER, role)
    secret = _secret(client, world, headers)
    name = {"name": secret["name"]}
    blind = _match(client, headers, name, secret["entity_id"])
    assert blind is not None  # the attacker may see the entity itself, by name
    for probe in (secret["emails"][0], "zz@zz.zz"):
        seen = _match(client, headers, name | {"email": probe}, secret["entity_id"])
        assert seen is not None
        assert (seen["score"], seen["reasons"]) == (blind["score"], blind["reasons"]), probe
    # The owner itself still gets the comparison with its own record.
    owner = world.headers(OWNER, next(r for (o, r) in world.keys if o == OWNER))
    mine = _match(client, owner, name | {"email": secret["emails"][0]}, secret["entity_id"])
    assert mine is not None and "email identical" in mine["reasons"]

"""Isolation probes of the listing queue's undo and the seller profile, joined to THE isolation
test's route table (``tests/service/test_isolation.py``): only a marketplace's own staff undo
their own actions (its taker, within seconds) and read their own sellers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.test_isolation import API, NOT_VISIBLE, Probe, ProbeFn, _marketplace_action
from tests.service.world import World, lake_rows

NO_ID = 2**31 - 1


def _undo(client: TestClient, world: World, organisation: str) -> Probe:
    """Undoing an action that is not one's own (another organisation's, or none): refused or
    not found, and it stays in force."""
    action = _marketplace_action(world)
    if world.kinds[organisation] == "marketplace":
        action = NO_ID  # no other marketplace here: an action that is not its own
    response = client.post(f"{API}/listings/actions/{action}/undo",
                           headers=world.headers(organisation))  # fmt: skip
    return Probe(response, NOT_VISIBLE)


def _seller(client: TestClient, world: World, organisation: str) -> Probe:
    """A marketplace reads its own seller; everyone else is refused."""
    market = next(o for o, kind in sorted(world.kinds.items()) if kind == "marketplace")
    sql = f"SELECT source_key FROM sellers WHERE organisation = '{market}' ORDER BY 1 LIMIT 1"
    seller = lake_rows(world.settings, "sellers", sql)[0]["source_key"]
    response = client.get(f"{API}/sellers/{seller}", headers=world.headers(organisation))
    if organisation == market:
        assert response.json()["organisation"] == market
        return Probe(response, {200})
    return Probe(response, {403})


LISTING_PAGE_PROBES: dict[tuple[str, str], ProbeFn] = {
    ("POST", f"{API}/listings/actions/{{action_id}}/undo"): _undo,
    ("GET", f"{API}/sellers/{{seller}}"): _seller,
}

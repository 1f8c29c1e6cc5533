"""Isolation probes of the listing queue's undo, the seller profile and the page-view measure,
joined to THE isolation test's route table (``tests/service/test_isolation.py``): only a
marketplace's own staff undo their own actions (its taker, within seconds) and read their own
sellers; the measure shows a marketplace its own rows and a brand its own brands' rows."""

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


def _pageviews(client: TestClient, world: World, organisation: str) -> Probe:
    """Everyone may ask; only the marketplace's own rows or, for a brand, its brands' rows."""
    response = client.get(f"{API}/metrics/pageviews?days=3650", headers=world.headers(organisation))
    rows = response.json()["daily"] if response.status_code == 200 else []
    kind = world.kinds[organisation]
    if kind != "marketplace":
        assert all(r["brand"] != "*" for r in rows), "the all-brands row is the marketplace's"
    if kind not in ("marketplace", "brand"):
        assert rows == []
    return Probe(response, {200})


LISTING_PAGE_PROBES: dict[tuple[str, str], ProbeFn] = {
    ("POST", f"{API}/listings/actions/{{action_id}}/undo"): _undo,
    ("GET", f"{API}/sellers/{{seller}}"): _seller,
    ("GET", f"{API}/metrics/pageviews"): _pageviews,
}

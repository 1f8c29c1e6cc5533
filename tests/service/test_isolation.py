"""THE isolation test, generated from the route table: for every /api/v1 route and every
organisation, asking for data the organisation is not granted gets 403/404 and no foreign data.

Each route needs a probe below; a route added without one fails ``test_every_route_has_a_probe``.
Expectations come from the world's ground truth (the lake) and the agreements written out here,
not from the policy code under test.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from tests.service.world import OUTSIDER, OUTSIDER_EVIDENCE, OUTSIDER_NOTE, World, lake_rows

API = "/api/v1"
NOT_VISIBLE = {403, 404}
CASE_MARKER = "Foreign case of"
SCAN_MARKER = "Foreign scan at"
ACTION_MARKER = "Foreign listing action of"


@dataclass
class Probe:
    """One request for data the organisation is not granted, and what must hold."""

    response: Response
    expect: set[int]  # allowed statuses


ProbeFn = Callable[[TestClient, World, str], Probe]


def _foreign_org(world: World, organisation: str) -> str:
    """An organisation whose data ``organisation`` is granted nothing of."""
    return "customs-nl" if organisation == OUTSIDER else OUTSIDER


def _foreign_shipment(world: World, organisation: str) -> str:
    owner = _foreign_org(world, organisation)
    rows = lake_rows(
        world.settings,
        "shipments",
        f"SELECT id FROM shipments WHERE organisation = '{owner}' ORDER BY id LIMIT 1",
    )
    return str(rows[0]["id"])


def _foreign_entity(world: World, organisation: str) -> str:
    owner = _foreign_org(world, organisation)
    rows = lake_rows(
        world.settings,
        "entities",
        f"SELECT entity_id FROM entities WHERE organisations = ['{owner}'] ORDER BY entity_id "
        "LIMIT 1",
    )
    return str(rows[0]["entity_id"])


def _get(path: str) -> ProbeFn:
    """A listing route: it answers 200, and the body must hold no foreign marker."""

    def probe(client: TestClient, world: World, organisation: str) -> Probe:
        return Probe(client.get(path, headers=world.headers(organisation)), {200})

    return probe


def _shipment(client: TestClient, world: World, organisation: str) -> Probe:
    shipment = _foreign_shipment(world, organisation)
    response = client.get(f"{API}/shipments/{shipment}", headers=world.headers(organisation))
    return Probe(response, NOT_VISIBLE)


def _score(client: TestClient, world: World, organisation: str) -> Probe:
    body = {"shipment_ids": [_foreign_shipment(world, organisation)]}
    return Probe(
        client.post(f"{API}/score", json=body, headers=world.headers(organisation)), NOT_VISIBLE
    )


def _entity(client: TestClient, world: World, organisation: str) -> Probe:
    entity = _foreign_entity(world, organisation)
    response = client.get(f"{API}/entities/{entity}", headers=world.headers(organisation))
    return Probe(response, NOT_VISIBLE)


def _screen(client: TestClient, world: World, organisation: str) -> Probe:
    """Screening the foreign party's exact name must not reveal its entity."""
    entity = _foreign_entity(world, organisation)
    name = lake_rows(
        world.settings, "entities", f"SELECT name FROM entities WHERE entity_id = '{entity}'"
    )[0]["name"]
    response = client.post(
        f"{API}/screen", json={"name": name}, headers=world.headers(organisation)
    )
    assert entity not in response.text
    return Probe(response, {200})


def _outcome(client: TestClient, world: World, organisation: str) -> Probe:
    task = world.tasks[_foreign_org(world, organisation)][0]
    body = {"positive": True, "result": "seized"}
    response = client.post(
        f"{API}/queue/{task}/outcome", json=body, headers=world.headers(organisation)
    )
    return Probe(response, NOT_VISIBLE)


def _job(suffix: str) -> ProbeFn:
    def probe(client: TestClient, world: World, organisation: str) -> Probe:
        job = world.jobs[_foreign_org(world, organisation)]
        response = client.get(f"{API}/jobs/{job}{suffix}", headers=world.headers(organisation))
        return Probe(response, NOT_VISIBLE)

    return probe


def _revoke_agreement(client: TestClient, world: World, organisation: str) -> Probe:
    """Revoking an agreement between two other organisations is refused."""
    foreign = [
        a for a in world.facts["agreements"] if organisation not in (a["owner"], a["recipient"])
    ]
    response = client.delete(
        f"{API}/sharing/{foreign[0]['id']}", headers=world.headers(organisation)
    )
    return Probe(response, NOT_VISIBLE)


def _grant(client: TestClient, world: World, organisation: str) -> Probe:
    """A grant always shares the caller's own data: a foreign ``owner`` field is refused (422,
    as every unknown key of an agreement), so nothing is stored."""
    foreign = _foreign_org(world, organisation)
    body = {"owner": foreign, "recipient": foreign, "dataset": "watchlist", "fields": ["name"]}
    response = client.post(f"{API}/sharing", json=body, headers=world.headers(organisation))
    if response.status_code == 422:
        assert "owner" in response.json()["error"]["message"]
    return Probe(response, {422})


def _revoke_key(client: TestClient, world: World, organisation: str) -> Probe:
    prefix = world.key(_foreign_org(world, organisation), "admin").split("_")[1]
    response = client.delete(f"{API}/keys/{prefix}", headers=world.headers(organisation))
    return Probe(response, NOT_VISIBLE)


def _create_key(client: TestClient, world: World, organisation: str) -> Probe:
    """A new key belongs to the caller's organisation; revoked again at once."""
    headers = world.headers(organisation)
    response = client.post(f"{API}/keys", json={"organisation": "customs-nl"}, headers=headers)
    created = response.json()
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {created['key']}"}).json()
    assert me["organisation"] == organisation
    client.delete(f"{API}/keys/{created['prefix']}", headers=headers)
    return Probe(response, {201})


def _upload(client: TestClient, world: World, organisation: str) -> Probe:
    """An upload is refused before anything is stored when it names an unknown feed; the job
    list afterwards holds only the organisation's own jobs (checked by the marker scan)."""
    files = {"file": ("x.csv", io.BytesIO(b"id,name\n1,a\n"), "text/csv")}
    response = client.post(
        f"{API}/uploads",
        data={"feed": "no-such-feed", "organisation": "customs-nl"},
        files=files,
        headers=world.headers(organisation),
    )
    return Probe(response, {400})


def _register_mapping(client: TestClient, world: World, organisation: str) -> Probe:
    """A mapping is registered for the caller's organisation only (a foreign one asked for is
    ignored); an invalid one is refused before anything is stored."""
    files = {"file": ("m.yaml", io.BytesIO(b"feed: no-such-feed\n"), "application/yaml")}
    response = client.post(
        f"{API}/mappings",
        data={"name": "probe-map", "organisation": "customs-nl"},
        files=files,
        headers=world.headers(organisation),
    )
    return Probe(response, {400})


def _login(client: TestClient, world: World, organisation: str) -> Probe:
    """Someone else's e-mail without its password gets nothing (after a few tries, 429)."""
    other = world.logins[(_foreign_org(world, organisation), "admin")]
    body = {"email": other.email, "password": "not-the-password"}
    return Probe(client.post(f"{API}/session", json=body), {401, 429})  # 429: throttled


def _change_password(client: TestClient, world: World, organisation: str) -> Probe:
    """Sending another organisation's user's password as the current one changes nothing of
    theirs: an organisation key has no password (403), and the foreign user still logs in."""
    other = world.logins[(_foreign_org(world, organisation), "admin")]
    body = {"current_password": other.password, "new_password": "probe-Changed-pass-9931"}
    response = client.put(f"{API}/session/password", json=body, headers=world.headers(organisation))
    from ringfence.store.operational import OperationalStore

    with OperationalStore.open(world.settings) as store:
        assert store.authenticate_password(other.email, other.password).email == other.email
    return Probe(response, {403, 429})


def _logout(client: TestClient, world: World, organisation: str) -> Probe:
    """Logging out with a key ends no session (and shows no data)."""
    return Probe(client.delete(f"{API}/session", headers=world.headers(organisation)), {204})


def _foreign_outcome(world: World, organisation: str) -> int:
    from ringfence.store.operational import OperationalStore

    foreign = _foreign_org(world, organisation)
    with OperationalStore.open(world.settings) as store:
        return store.record_outcome(
            foreign,
            _foreign_shipment(world, organisation),
            label="counterfeit",
            positive=False,
            result="clear",
            details={},
            actor="test",
        )


def _change_outcome(client: TestClient, world: World, organisation: str) -> Probe:
    """Correcting another organisation's recorded outcome: it does not exist for you."""
    outcome = _foreign_outcome(world, organisation)
    body = {"positive": True, "result": "seized", "reason": "probe"}
    response = client.post(
        f"{API}/outcomes/{outcome}/change", json=body, headers=world.headers(organisation)
    )
    return Probe(response, NOT_VISIBLE)


def _undo_outcome(client: TestClient, world: World, organisation: str) -> Probe:
    outcome = _foreign_outcome(world, organisation)
    response = client.post(f"{API}/outcomes/{outcome}/undo", headers=world.headers(organisation))
    return Probe(response, NOT_VISIBLE)


def _register_brand(client: TestClient, world: World, organisation: str) -> Probe:
    """A registration always belongs to the caller's organisation: naming a foreign one is
    refused (422, an unknown key); without it the registration is the caller's, revoked again
    at once."""
    headers = world.headers(organisation)
    body = {"brand": f"Probe {organisation}", "organisation": _foreign_org(world, organisation)}
    foreign = client.post(f"{API}/brands", json=body, headers=headers)
    assert foreign.status_code == 422 and "organisation" in foreign.text
    del body["organisation"]
    response = client.post(f"{API}/brands", json=body, headers=headers)
    assert response.json()["organisation"] == organisation
    client.delete(f"{API}/brands/{response.json()['id']}", headers=headers)
    return Probe(response, {201})


def _foreign_registration(world: World, organisation: str) -> int:
    from ringfence.store.operational import OperationalStore

    with OperationalStore.open(world.settings) as store:
        foreign = _foreign_org(world, organisation)
        return store.register_brand(foreign, f"Foreign {foreign}", actor="test")


def _approve_brand(client: TestClient, world: World, organisation: str) -> Probe:
    """Only customs and IP-crime admins approve another organisation's registration; for
    everyone else it does not exist."""
    registration = _foreign_registration(world, organisation)
    path = f"{API}/brands/{registration}/approve"
    response = client.post(path, headers=world.headers(organisation))
    approver = world.kinds[organisation] in ("customs", "ipcrime")
    return Probe(response, {200} if approver else NOT_VISIBLE)


def _revoke_brand(client: TestClient, world: World, organisation: str) -> Probe:
    """Revoking another organisation's registration: approvers only."""
    registration = _foreign_registration(world, organisation)
    response = client.delete(f"{API}/brands/{registration}", headers=world.headers(organisation))
    approver = world.kinds[organisation] in ("customs", "ipcrime")
    return Probe(response, {200} if approver else NOT_VISIBLE)


def _foreign_case(world: World, organisation: str) -> str:
    """A case of the foreign organisation, with a note and an evidence item."""
    from ringfence.store.operational import OperationalStore

    foreign = _foreign_org(world, organisation)
    with OperationalStore.open(world.settings) as store:
        case = store.open_case(foreign, f"{CASE_MARKER} {foreign}", actor="test")
        store.add_case_note(case.id, f"{CASE_MARKER} note", actor="test")
        store.add_evidence(
            case.id,
            sha256="0" * 64,
            size=1,
            file_name="x.jpg",
            kind="photo",
            actor="test",
            custodian=f"{CASE_MARKER} custodian",
        )
        return case.id


def _open_case(client: TestClient, world: World, organisation: str) -> Probe:
    """A new case belongs to the caller's organisation (naming another is refused as an unknown
    key); brand users open none."""
    headers = world.headers(organisation)
    body = {"title": "Probe case", "organisation": _foreign_org(world, organisation)}
    assert client.post(f"{API}/cases", json=body, headers=headers).status_code == 422
    response = client.post(f"{API}/cases", json={"title": "Probe case"}, headers=headers)
    if response.status_code == 201:
        assert response.json()["organisation"] == organisation
    return Probe(response, {201, 403})


def _case_route(method: str, suffix: str, **kwargs: Any) -> ProbeFn:
    """A route on another organisation's case: it does not exist for the caller."""

    def probe(client: TestClient, world: World, organisation: str) -> Probe:
        case = _foreign_case(world, organisation)
        path = f"{API}/cases/{case}{suffix}"
        response = client.request(method, path, headers=world.headers(organisation), **kwargs)
        return Probe(response, NOT_VISIBLE)

    return probe


def _add_foreign_item(client: TestClient, world: World, organisation: str) -> Probe:
    """An own case cannot take a shipment the caller may not read (no existence oracle)."""
    headers = world.headers(organisation)
    opened = client.post(f"{API}/cases", json={"title": "Probe items"}, headers=headers)
    if opened.status_code != 201:  # a brand user: no case of its own to add to
        return _case_route("POST", "/items", json={"kind": "entity", "ref": "en-1"})(
            client, world, organisation
        )
    body = {"kind": "shipment", "ref": _foreign_shipment(world, organisation)}
    response = client.post(f"{API}/cases/{opened.json()['id']}/items", json=body, headers=headers)
    return Probe(response, {404})


def _code_scans(client: TestClient, world: World, organisation: str) -> Probe:
    """The foreign organisation's scan (if its kind scans) is not in the caller's list."""
    from ringfence.codes.scans import record_scan
    from ringfence.store.operational import OperationalStore

    foreign = _foreign_org(world, organisation)
    with OperationalStore.open(world.settings) as store:
        scanner = world.kinds[foreign] in ("customs", "carrier", "marketplace")
        if scanner and not store.code_scans(organisation=foreign, limit=1):
            record_scan(store, foreign, "probe", f"{SCAN_MARKER} {foreign}", actor="t", keys=[])
    return Probe(client.get(f"{API}/codes/scans", headers=world.headers(organisation)), {200})


def _record_scan(client: TestClient, world: World, organisation: str) -> Probe:
    """A scan is recorded as the caller's own; organisations that do not scan are refused."""
    body = {"code": "probe", "place": "probe desk"}
    response = client.post(f"{API}/codes/scans", json=body, headers=world.headers(organisation))
    if response.status_code == 201:
        assert response.json()["scan"]["organisation"] == organisation
    return Probe(response, {201, 403})


def _verify_codes(client: TestClient, world: World, organisation: str) -> Probe:
    """Verifying reads only public keys: every organisation may, and nothing is stored."""
    body = {"codes": ["probe"]}
    return Probe(client.post(f"{API}/codes/verify", json=body,
                             headers=world.headers(organisation)), {200})  # fmt: skip


def _foreign_listing(world: World, organisation: str) -> str:
    """A listing of another organisation (a made-up key when no other has listings)."""
    rows = lake_rows(
        world.settings,
        "listings",
        f"SELECT source_key FROM listings WHERE organisation <> '{organisation}' "
        "ORDER BY source_key LIMIT 1",
    )
    return str(rows[0]["source_key"]) if rows else "probe-no-such-listing"


def _marketplace_action(world: World) -> int:
    """An action of the world's marketplace on its own listing, its reason a marker."""
    from ringfence.store.operational import OperationalStore
    from ringfence.store.operational.listings import ActionDraft
    from ringfence.store.operational.tables import utcnow

    market = next(o for o, kind in world.kinds.items() if kind == "marketplace")
    with OperationalStore.open(world.settings) as store:
        found = store.listing_actions(market, limit=1)
        if found:
            return found[0].id
        listing = _foreign_listing(world, "nobody")
        draft = ActionDraft(market, "hold", f"{ACTION_MARKER} {market}",
                            utcnow() + timedelta(days=3), listing=listing)  # fmt: skip
        return store.take_listing_action(draft, actor="t").id


def _listing_actions(client: TestClient, world: World, organisation: str) -> Probe:
    """The marketplace's actions reach nobody else (no agreement shares them)."""
    _marketplace_action(world)
    response = client.get(f"{API}/listings/actions", headers=world.headers(organisation))
    if world.kinds[organisation] != "marketplace":
        assert ACTION_MARKER not in response.text
    return Probe(response, {200})


def _act_on_listing(client: TestClient, world: World, organisation: str) -> Probe:
    """Acting on another organisation's listing: refused (403) or not found (404)."""
    body = {"kind": "take_down", "listing": _foreign_listing(world, organisation),
            "reason": "probe"}  # fmt: skip
    response = client.post(f"{API}/listings/actions", json=body,
                           headers=world.headers(organisation))  # fmt: skip
    return Probe(response, NOT_VISIBLE)


def _end_action(ending: str) -> ProbeFn:
    """Ending another organisation's action: refused or not found, and it stays in force."""

    def probe(client: TestClient, world: World, organisation: str) -> Probe:
        action = _marketplace_action(world)
        if world.kinds[organisation] == "marketplace":
            action = 2**31 - 1  # no other marketplace here: an action that is not its own
        path = f"{API}/listings/actions/{action}/{ending}"
        headers = world.headers(organisation)
        response = client.post(path, json={"reason": "probe"}, headers=headers)
        return Probe(response, NOT_VISIBLE)

    return probe


def _listing_queue(client: TestClient, world: World, organisation: str) -> Probe:
    """Only a marketplace's staff read its review queue (their own)."""
    response = client.get(f"{API}/listings/queue", headers=world.headers(organisation))
    ok = {200} if world.kinds[organisation] == "marketplace" else {403}
    if response.status_code == 200:
        assert response.json()["organisation"] == organisation
    return Probe(response, ok)


def _score_listing(client: TestClient, world: World, organisation: str) -> Probe:
    """Scoring is a marketplace's (404 without a seller model); others are refused."""
    body = {"listings": [{"seller": "probe-seller", "brand": "Glacier Line", "price": 1.0}]}
    response = client.post(f"{API}/listings/score", json=body,
                           headers=world.headers(organisation))  # fmt: skip
    ok = {200, 404} if world.kinds[organisation] == "marketplace" else {403}
    return Probe(response, ok)


def _search_entities(client: TestClient, world: World, organisation: str) -> Probe:
    """Searching the foreign party's exact name must not reveal its entity."""
    entity = _foreign_entity(world, organisation)
    name = lake_rows(
        world.settings, "entities", f"SELECT name FROM entities WHERE entity_id = '{entity}'"
    )[0]["name"]
    response = client.get(f"{API}/entities", params={"name": name},
                          headers=world.headers(organisation))  # fmt: skip
    assert entity not in response.text
    return Probe(response, {200})


def _entity_links(client: TestClient, world: World, organisation: str) -> Probe:
    entity = _foreign_entity(world, organisation)
    path = f"{API}/entities/{entity}/links"
    return Probe(client.get(path, headers=world.headers(organisation)), NOT_VISIBLE)


def _watch_foreign(client: TestClient, world: World, organisation: str) -> Probe:
    """Watching an entity one may not read: as if it did not exist."""
    body = {"entity_id": _foreign_entity(world, organisation)}
    response = client.post(f"{API}/watches", json=body, headers=world.headers(organisation))
    return Probe(response, NOT_VISIBLE)


def _unwatch_foreign(client: TestClient, world: World, organisation: str) -> Probe:
    entity = _foreign_entity(world, organisation)
    response = client.delete(f"{API}/watches/{entity}", headers=world.headers(organisation))
    return Probe(response, NOT_VISIBLE)


def _mark_alerts_read(client: TestClient, world: World, organisation: str) -> Probe:
    """Marking alerts read touches only the caller's own (here: it has none)."""
    body = {"ids": list(range(1, 50))}
    response = client.post(f"{API}/alerts/read", json=body, headers=world.headers(organisation))
    if response.status_code == 200:
        assert response.json()["marked"] == 0
    return Probe(response, {200})


ROUTE_PROBES: dict[tuple[str, str], ProbeFn] = {
    ("POST", f"{API}/listings/score"): _score_listing,
    ("POST", f"{API}/listings/actions"): _act_on_listing,
    ("GET", f"{API}/listings/actions"): _listing_actions,
    ("POST", f"{API}/listings/actions/{{action_id}}/release"): _end_action("release"),
    ("POST", f"{API}/listings/actions/{{action_id}}/reinstate"): _end_action("reinstate"),
    ("GET", f"{API}/listings/queue"): _listing_queue,
    ("GET", f"{API}/codes/scans"): _code_scans,
    ("POST", f"{API}/codes/scans"): _record_scan,
    ("POST", f"{API}/codes/verify"): _verify_codes,
    ("GET", f"{API}/codes/listings"): _get(f"{API}/codes/listings"),
    ("GET", f"{API}/cases"): _get(f"{API}/cases"),
    ("POST", f"{API}/cases"): _open_case,
    ("GET", f"{API}/cases/{{case_id}}"): _case_route("GET", ""),
    ("POST", f"{API}/cases/{{case_id}}/items"): _add_foreign_item,
    ("POST", f"{API}/cases/{{case_id}}/notes"): _case_route(
        "POST", "/notes", json={"text": "probe"}
    ),
    ("PUT", f"{API}/cases/{{case_id}}/status"): _case_route(
        "PUT", "/status", json={"status": "closed"}
    ),
    ("POST", f"{API}/cases/{{case_id}}/evidence"): _case_route(
        "POST",
        "/evidence",
        data={"custodian": "probe"},
        files={"file": ("p.jpg", b"probe", "image/jpeg")},
    ),
    ("POST", f"{API}/cases/{{case_id}}/evidence/{{evidence_id}}/custody"): _case_route(
        "POST", "/evidence/1/custody", json={"to": "probe", "why": "probe"}
    ),
    ("GET", f"{API}/cases/{{case_id}}/verify"): _case_route("GET", "/verify"),
    ("POST", f"{API}/cases/{{case_id}}/items/batch"): _case_route(
        "POST", "/items/batch", json={"items": [{"kind": "entity", "ref": "en-1"}]}
    ),
    ("POST", f"{API}/cases/{{case_id}}/expansion"): _case_route(
        "POST", "/expansion", json={"entity_id": "en-1", "hops": 1}
    ),
    ("GET", f"{API}/entities"): _search_entities,
    ("GET", f"{API}/entities/{{entity_id}}/links"): _entity_links,
    ("GET", f"{API}/watches"): _get(f"{API}/watches"),
    ("POST", f"{API}/watches"): _watch_foreign,
    ("DELETE", f"{API}/watches/{{entity_id}}"): _unwatch_foreign,
    ("GET", f"{API}/alerts"): _get(f"{API}/alerts"),
    ("POST", f"{API}/alerts/read"): _mark_alerts_read,
    ("POST", f"{API}/session"): _login,
    ("DELETE", f"{API}/session"): _logout,
    ("PUT", f"{API}/session/password"): _change_password,
    ("GET", f"{API}/me"): _get(f"{API}/me"),
    ("POST", f"{API}/screen"): _screen,
    ("POST", f"{API}/score"): _score,
    ("GET", f"{API}/shipments/{{shipment_id}}"): _shipment,
    ("GET", f"{API}/queue"): _get(f"{API}/queue?status=all"),
    ("POST", f"{API}/queue/{{task_id}}/outcome"): _outcome,
    ("GET", f"{API}/entities/{{entity_id}}"): _entity,
    ("GET", f"{API}/watchlist"): _get(f"{API}/watchlist"),
    ("GET", f"{API}/seizures"): _get(f"{API}/seizures"),
    ("GET", f"{API}/dashboard"): _get(f"{API}/dashboard?days=3650"),
    ("POST", f"{API}/uploads"): _upload,
    ("GET", f"{API}/mappings"): _get(f"{API}/mappings"),
    ("POST", f"{API}/mappings"): _register_mapping,
    ("GET", f"{API}/jobs"): _get(f"{API}/jobs"),
    ("GET", f"{API}/jobs/{{job_id}}"): _job(""),
    ("GET", f"{API}/jobs/{{job_id}}/quarantine"): _job("/quarantine"),
    ("GET", f"{API}/jobs/{{job_id}}/field-problems"): _job("/field-problems"),
    ("GET", f"{API}/sharing"): _get(f"{API}/sharing?include_revoked=true"),
    ("POST", f"{API}/sharing"): _grant,
    ("DELETE", f"{API}/sharing/{{agreement_id}}"): _revoke_agreement,
    ("GET", f"{API}/audit"): _get(f"{API}/audit"),
    ("GET", f"{API}/keys"): _get(f"{API}/keys"),
    ("POST", f"{API}/keys"): _create_key,
    ("DELETE", f"{API}/keys/{{prefix}}"): _revoke_key,
    ("POST", f"{API}/outcomes/{{outcome_id}}/change"): _change_outcome,
    ("POST", f"{API}/outcomes/{{outcome_id}}/undo"): _undo_outcome,
    ("GET", f"{API}/brands"): _get(f"{API}/brands?include_revoked=true"),
    ("POST", f"{API}/brands"): _register_brand,
    ("POST", f"{API}/brands/{{registration_id}}/approve"): _approve_brand,
    ("DELETE", f"{API}/brands/{{registration_id}}"): _revoke_brand,
}

# The complaint and brand-portal routes' probes live with their tests (they import Probe above).
from tests.complaints.isolation_probes import COMPLAINT_PROBES  # noqa: E402

ROUTE_PROBES.update(COMPLAINT_PROBES)

# The listing queue's undo and the seller profile (the web UI's twins) likewise.
from tests.listings.isolation_probes import LISTING_PAGE_PROBES  # noqa: E402

ROUTE_PROBES.update(LISTING_PAGE_PROBES)


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path template) of every /api/v1 route, from the app's route table.

    FastAPI nests included routers in ``app.routes``; the OpenAPI document is generated from the
    full route table, so it is the flat list of every route with its prefix.
    """
    routes = set()
    for path, operations in app.openapi()["paths"].items():
        if path.startswith(API):
            routes |= {(method.upper(), path) for method in operations}
    return routes


def test_every_route_has_a_probe(app: FastAPI) -> None:
    """A route without a probe (or a probe for a vanished route) fails here."""
    routes = api_routes(app)
    assert routes - set(ROUTE_PROBES) == set(), "add an isolation probe for these routes"
    assert set(ROUTE_PROBES) - routes == set(), "these probes name routes that do not exist"


def foreign_markers(world: World, organisation: str) -> list[str]:
    """Strings that must never appear in a response to ``organisation``."""
    markers = []
    foreign = _foreign_org(world, organisation)
    markers += [
        r["id"]
        for r in lake_rows(
            world.settings,
            "shipments",
            f"SELECT id FROM shipments WHERE organisation = '{foreign}' ORDER BY id LIMIT 20",
        )
    ]
    markers += [login.email for (org, _), login in world.logins.items() if org == foreign]
    markers.append(f"{foreign}.csv")  # the foreign organisation's job
    markers.append(f"{CASE_MARKER} {foreign}")  # the foreign organisation's cases
    markers.append(f"{SCAN_MARKER} {foreign}")  # the foreign organisation's code scans
    if organisation != OUTSIDER:
        markers += [OUTSIDER_NOTE, OUTSIDER_EVIDENCE, "oo-1"]
    # Field level: nobody but the owner reads a watchlist entry's internal notes or evidence.
    for row in lake_rows(
        world.settings, "watchlist", "SELECT organisation, notes, evidence_ref FROM watchlist"
    ):
        if row["organisation"] != organisation:
            markers += [v for v in (row["notes"], row["evidence_ref"]) if v]
    return markers


@pytest.fixture(scope="module")
def agreements(world: World) -> list[dict[str, Any]]:
    from ringfence.store.operational import OperationalStore

    with OperationalStore.open(world.settings) as store:
        rows = [
            {"id": a.id, "owner": a.owner, "recipient": a.recipient}
            for a in store.sharing_agreements()
        ]
    world.facts["agreements"] = rows
    return rows


@pytest.mark.parametrize("route", sorted(ROUTE_PROBES), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_isolates_every_organisation(
    route: tuple[str, str], client: TestClient, world: World, agreements: list[dict[str, Any]]
) -> None:
    """For every organisation: the expected refusal, and no foreign marker in the body."""
    for organisation in world.organisations:
        probe = ROUTE_PROBES[route](client, world, organisation)
        assert probe.response.status_code in probe.expect, (
            f"{organisation}: {route} gave {probe.response.status_code}: {probe.response.text}"
        )
        # An error may echo what was asked for; anything else foreign in the body is a leak.
        request = probe.response.request
        asked = str(request.url) + request.content.decode("utf-8", "replace")
        leaked = [
            m
            for m in foreign_markers(world, organisation)
            if m in probe.response.text and m not in asked
        ]
        assert not leaked, f"{organisation}: {route} leaked {leaked[:3]}"

"""The property over the route table: no response carries a value the policy gate did not pass.

Every organisation holds canary records (``canaries.py``). For every GET route of the app — the
JSON API and its HTML twins, enumerated from ``app.routes``, path parameters filled with real ids
of each kind (canary shipments and entities of every organisation, every organisation's job) —
and for screening each canary name, as every organisation: each canary in the body must be one
the reader may see. Whether it may is decided here from where the canary sits in the lake and
the live agreements (fields, and row filters evaluated on the canary's row), not by the policy
code under test. A route added later is walked too; one whose path parameter has no ids below
fails ``test_every_get_route_is_walked``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from ringfence.service.app import create_app
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.complaints import ComplaintDraft
from tests.service.canaries import CanaryWorld, add_canaries
from tests.service.world import World, lake_rows

API = "/api/v1"
PARAM = re.compile(r"{([a-z_]+)(?::[a-z]+)?}")
SKIP = {"/login", "/logout", "/healthz", "/metrics"}  # no organisation data
# Query parameters that widen what a listing shows (so more canaries could leak).
WIDEN = {"days": "3650", "status": "all", "include_revoked": "true", "hops": "2"}


@dataclass
class Canaried:
    """The scratch world with canaries, its app and what the agreements grant."""

    world: World
    canaries: CanaryWorld
    app: FastAPI
    agreements: list[Any]
    brands: dict[str, frozenset[str]]
    cases: list[str]
    memo: dict[tuple[str, str], bool] = field(default_factory=dict)
    complaints: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def canaried(scratch_world: World) -> Iterator[Canaried]:
    canaries = add_canaries(scratch_world.settings, scratch_world.organisations)
    with OperationalStore.open(scratch_world.settings) as store:
        # One co-owner shares everything of its entities (finding 4's attack): the others'
        # values on entities it co-owns must still not reach the marketplace.
        store.create_sharing_agreement(
            owner="swiftpost", recipient="bazaar", dataset="entities", fields=["*"], actor="test"
        )
        agreements = store.sharing_agreements()
        # A case per organisation, so the case routes are walked with real ids too.
        cases = [
            store.open_case(o, f"Routes walk {o}", actor="test").id
            for o in scratch_world.organisations
        ]
        brands = {o: store.approved_brand_names(o) for o in scratch_world.organisations}
        # A brand's notice to the marketplace, so the complaint routes are walked with an id.
        notice = ComplaintDraft("brand-northpeak", "bazaar", "routes-walk", None, "NorthPeak",
                                "routes walk", 0.5, True, "")  # fmt: skip
        complaints = [str(store.file_complaint(notice, actor="test").id)]
    app = create_app(scratch_world.settings)
    yield Canaried(scratch_world, canaries, app, agreements, brands, cases, complaints=complaints)
    app.state.services.jobs.shutdown()
    app.state.services.store.close()


def _get_routes(routes: list[Any], prefix: str = "") -> list[str]:
    """Paths of every GET route, through included routers."""
    found: list[str] = []
    for route in routes:
        if hasattr(route, "original_router"):  # an included router
            inner = prefix + (getattr(route.include_context, "prefix", "") or "")
            found += _get_routes(route.original_router.routes, inner)
        elif isinstance(route, APIRoute) and "GET" in route.methods:
            found.append(prefix + route.path)
    return sorted(set(found))


def _ids(c: Canaried) -> dict[str, list[str]]:
    """Real ids for each kind of path parameter."""
    return {
        "shipment_id": [s for ids in c.canaries.shipments.values() for s in ids],
        "entity_id": [ids[0] for ids in c.canaries.entities.values() if ids]
        + sorted(set(c.canaries.twins.values())),
        "job_id": [str(j) for j in c.world.jobs.values()],
        "case_id": c.cases,
        "complaint_id": c.complaints,
        "seller": [
            r["source_key"]
            for r in lake_rows(
                c.world.settings, "sellers", "SELECT source_key FROM sellers ORDER BY 1 LIMIT 2"
            )
        ],
    }


def _urls(c: Canaried) -> list[str]:
    """Every GET route with its parameters filled (one URL per id)."""
    ids = _ids(c)
    urls = []
    for path in _get_routes(c.app.routes):
        if path in SKIP or path.startswith(("/static", "/docs", "/openapi", "/redoc")):
            continue
        params = PARAM.findall(path)
        if not params:
            urls.append(path)
            continue
        (name,) = params  # one parameter per route today
        urls += [PARAM.sub(value, path) for value in ids.get(name, [])]
    return urls


def test_every_get_route_is_walked(canaried: Canaried) -> None:
    """Each GET route's parameters have real ids, so no route escapes the property."""
    ids = _ids(canaried)
    for path in _get_routes(canaried.app.routes):
        for name in PARAM.findall(path):
            assert ids.get(name), f"no ids for {{{name}}} of {path}: add them to _ids"


def _admits(row_filter: dict[str, Any], reader: str, row: dict[str, Any], c: Canaried) -> bool:
    for name, wanted in row_filter.items():
        values: list[str] = []
        for value in wanted if isinstance(wanted, list) else [wanted]:
            if value == "$recipient":
                values.append(reader)
            elif value == "$recipient_brands":
                values += list(c.brands[reader])
            else:
                values.append(str(value))
        have = row.get(name)
        have_list = have if isinstance(have, list) else [have]
        allowed = {v.casefold() for v in values}
        if not any(h is not None and str(h).casefold() in allowed for h in have_list):
            return False
    return True


def _granted(c: Canaried, owner: str, reader: str, dataset: str, name: str, row: dict) -> bool:
    return any(
        a.owner == owner
        and a.recipient == reader
        and a.dataset == dataset
        and ("*" in a.fields or name in a.fields)
        and _admits(a.row_filter or {}, reader, row, c)
        for a in c.agreements
    )


def may_see(c: Canaried, reader: str, canary: str) -> bool:
    """Whether some agreement lets ``reader`` read a lake cell holding ``canary``."""
    if (reader, canary) not in c.memo:
        c.memo[(reader, canary)] = _may_see(c, reader, canary)
    return c.memo[(reader, canary)]


def _may_see(c: Canaried, reader: str, canary: str) -> bool:
    owner = c.canaries.owner[canary]
    if reader == owner:
        return True
    shipments = {
        row["id"]: row for d, _, row in _all_cells(c) if d == "shipments" and row.get("id")
    }
    for dataset, name, row in c.canaries.cells.get(canary, []):
        if dataset == "entities":  # per-field ownership: the canary's owner must grant it
            if _granted(c, owner, reader, "entities", name, row):
                return True
            continue
        if row.get("organisation") != owner:
            continue
        if _granted(c, owner, reader, dataset, name, row):
            return True
        if dataset == "outcomes":
            shipment = shipments.get(row.get("shipment_ref"), {})
            joined = {
                **row,
                "shipment_organisation": shipment.get("organisation"),
                "origin_country": shipment.get("origin_country"),
            }
            for derived in ("seizures", "recorded_outcomes"):
                if _granted(c, owner, reader, derived, name, joined):
                    return True
    return False


def _all_cells(c: Canaried) -> Iterator[tuple[str, str, dict]]:
    for cells in c.canaries.cells.values():
        yield from cells


def _leaks(c: Canaried, reader: str, text: str, asked: str) -> set[tuple[str, str]]:
    """(canary, owner) in ``text`` the reader may not see (ignoring what it asked with)."""
    found = {m.casefold() for m in c.canaries.pattern.findall(text)}
    asked_folded = asked.casefold()
    leaks = set()
    for canary, owner in c.canaries.owner.items():
        folded = canary.casefold()
        if folded in found and folded not in asked_folded and not may_see(c, reader, canary):
            leaks.add((canary, owner))
    return leaks


def test_canaries_are_in_place(canaried: Canaried) -> None:
    """The property has something to find: canaries reached records, entities and links."""
    cells = canaried.canaries.cells
    datasets = {d for located in cells.values() for d, _, _ in located}
    assert {"parties", "shipments", "outcomes", "watchlist", "entities"} <= datasets
    assert len(canaried.canaries.entities) == len(canaried.world.organisations)
    entities = lake_rows(
        canaried.world.settings,
        "entities",
        "SELECT entity_id, organisations FROM entities WHERE len(organisations) > 1",
    )
    co_owned = {r["entity_id"] for r in entities}
    assert len(set(canaried.canaries.twins.values()) & co_owned) >= 4  # twins did merge


def test_no_route_returns_a_value_the_gate_did_not_pass(canaried: Canaried) -> None:
    """Every GET route (API and HTML), as every organisation: no canary it may not see."""
    c = canaried
    urls = _urls(c)
    assert any(u.startswith(f"{API}/entities/") for u in urls)
    assert any(u.startswith("/entities/") for u in urls)  # the HTML twins are walked too
    problems: list[str] = []
    seen_own = 0
    with TestClient(c.app, raise_server_exceptions=False) as client:
        for reader in c.world.organisations:
            headers = c.world.headers(reader)
            for url in urls:
                query = "&".join(f"{k}={v}" for k, v in WIDEN.items())
                response = client.get(f"{url}?{query}", headers=headers)
                assert response.status_code < 500, f"{reader} {url}: {response.text[:300]}"
                leaks = _leaks(c, reader, response.text, url)
                problems += [f"{reader} GET {url}: {canary} of {o}" for canary, o in leaks]
                text = response.text.casefold()
                seen_own += sum(1 for n in c.canaries.parties[reader] if n.casefold() in text)
            for owner, names in c.canaries.parties.items():
                for name in names[:1]:
                    body = {"name": name, "limit": 50}
                    response = client.post(f"{API}/screen", json=body, headers=headers)
                    assert response.status_code == 200, response.text
                    leaks = _leaks(c, reader, response.text, name)
                    problems += [f"{reader} screen {owner}: {k} of {o}" for k, o in leaks]
    assert seen_own  # readers do get their own canaries back: the scan is not blind
    assert not problems, "\n".join(sorted(problems)[:40])

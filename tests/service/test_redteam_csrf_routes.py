"""Red team, cross-site writes over the whole route table (held; kept as a test).

A browser session (the cookie of ``POST /api/v1/session`` or ``/login``) must not write anything
without the session's CSRF token: another site's page can make the browser send the cookie
(a form post, SameSite=Lax lets a top-level one through), but cannot read the token. The check
sits in the caller dependency, so a route is covered only if it reads its caller through it;
before this test only ``/sharing`` and the upload form were tried. Every unsafe route of the
app, JSON API and web pages, enumerated from the route table (a route added later is walked too),
is sent each body a cross-site page could make (form, multipart, plain text, none, and JSON for
a script on a CORS-less origin), with no token, a wrong one and the token of another user's
session: 403 naming CSRF, and nothing recorded but the refusal itself. Only the two login
routes (which start a session; ``test_redteam_login_csrf``) are exempt.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from ringfence.store.operational import OperationalStore
from tests.service.world import World

API = "/api/v1"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
LOGINS = {("POST", f"{API}/session"), ("POST", "/login")}
PARAM = re.compile(r"{[a-z_]+(?::[a-z]+)?}")
REFUSALS = {"request.refused", "request.failed"}


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every unsafe route, through included routers."""
    for route in routes:
        if hasattr(route, "original_router"):  # an included router
            inner = prefix + (getattr(route.include_context, "prefix", "") or "")
            yield from _routes(route.original_router.routes, inner)
        elif isinstance(route, APIRoute):
            for method in sorted(route.methods & UNSAFE):
                yield method, prefix + route.path


def unsafe_routes(app: FastAPI) -> list[tuple[str, str]]:
    return sorted(set(_routes(list(app.routes))))


def _session(client: TestClient, world: World, organisation: str, role: str) -> str:
    """Log ``client`` in (cookie) as that user; the session's CSRF token."""
    login = world.logins[(organisation, role)]
    response = client.post(f"{API}/session", json={"email": login.email,
                                                   "password": login.password})  # fmt: skip
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


def _bodies(token: str | None) -> list[dict[str, Any]]:
    """What a cross-site page (or a script) can send, each with ``token`` where a form has it."""
    field = {"csrf_token": token} if token is not None else {}
    return [
        {},
        {"data": {"reason": "cross-site", "title": "cross-site", **field}},
        {"data": {"reason": "cross-site", **field},
         "files": {"file": ("x.csv", b"id,name\n1,x\n", "text/csv")}},
        {"content": b'{"reason": "cross-site"}', "headers": {"content-type": "text/plain"}},
        {"json": {"reason": "cross-site", "title": "cross-site", "recipient": "outsider"}},
    ]  # fmt: skip


def _writes(world: World) -> list[tuple[str, str | None]]:
    """Every audit entry but refusals (every write is audited in its transaction)."""
    with OperationalStore.open(world.settings) as store:
        return [(e.action, e.organisation) for e in store.audit_entries()
                if e.action not in REFUSALS]  # fmt: skip


def test_no_unsafe_route_writes_for_a_session_without_its_token(
    scratch_client: TestClient, scratch_world: World
) -> None:
    world, client = scratch_world, scratch_client
    routes = unsafe_routes(client.app)  # type: ignore[arg-type]
    assert set(routes) >= LOGINS and len(routes) > 40  # the walk sees the whole table
    with TestClient(client.app) as other:  # type: ignore[arg-type]
        foreign_token = _session(other, world, "swiftpost", "admin")
    _session(client, world, "customs-nl", "admin")
    me = client.get(f"{API}/me")
    assert me.status_code == 200 and me.json()["organisation"] == "customs-nl"
    before = _writes(world)
    for method, path in routes:
        if (method, path) in LOGINS:
            continue
        url = PARAM.sub("1", path)
        for token in (None, "not-the-token", foreign_token):
            for body in _bodies(token):
                kwargs = dict(body)
                headers = {"accept": "text/html", "origin": "https://evil.example",
                           **kwargs.pop("headers", {})}  # fmt: skip
                if token is not None and "data" not in kwargs:
                    headers["X-CSRF-Token"] = token
                got = client.request(method, url, headers=headers, follow_redirects=False,
                                     **kwargs)  # fmt: skip
                assert got.status_code == 403, (method, url, token, body, got.text[:300])
                assert "CSRF" in got.text, (method, url, got.text[:300])
    assert _writes(world) == before
    # The session itself still works with its own token (the refusals were the token's).
    assert client.get(f"{API}/me").json()["organisation"] == "customs-nl"

"""Authentication: keys, sessions, CSRF, roles, and the audit of every login."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient

from ringfence.store.operational import OperationalStore
from tests.service.world import World

API = "/api/v1"


def _actions(world: World, since: int) -> list[tuple[str, str, str | None]]:
    with OperationalStore.open(world.settings) as store:
        return [(e.action, e.actor, e.organisation) for e in store.audit_entries() if e.seq > since]


def _last_seq(world: World) -> int:
    with OperationalStore.open(world.settings) as store:
        entries = store.audit_entries(limit=1)
    return entries[0].seq if entries else 0


def test_no_credentials_is_401(client: TestClient) -> None:
    response = client.get(f"{API}/watchlist")
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "AuthError"
    assert response.headers["www-authenticate"] == "Bearer"


def test_unknown_and_malformed_keys_are_401(client: TestClient, world: World) -> None:
    good = world.key("customs-nl")
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    for key in (forged, "not-a-key"):
        assert client.get(f"{API}/me", headers={"X-API-Key": key}).status_code == 401


def test_key_in_either_header(client: TestClient, world: World) -> None:
    key = world.key("swiftpost", "analyst")
    for headers in ({"Authorization": f"Bearer {key}"}, {"X-API-Key": key}):
        me = client.get(f"{API}/me", headers=headers).json()
        assert (me["organisation"], me["role"]) == ("swiftpost", "analyst")


def test_revoked_key_is_401(client: TestClient, world: World) -> None:
    headers = world.headers("bazaar")
    created = client.post(f"{API}/keys", headers=headers).json()
    fresh = {"Authorization": f"Bearer {created['key']}"}
    assert client.get(f"{API}/me", headers=fresh).status_code == 200
    assert client.delete(f"{API}/keys/{created['prefix']}", headers=headers).status_code == 200
    response = client.get(f"{API}/me", headers=fresh)
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_bad_password_is_401_and_audited(client: TestClient, world: World) -> None:
    login = world.logins[("customs-nl", "officer")]
    before = _last_seq(world)
    response = client.post(f"{API}/session", json={"email": login.email, "password": "wrong"})
    assert response.status_code == 401
    assert "ringfence_session" not in response.cookies
    assert ("login.failed", login.email, None) in _actions(world, before)


def test_session_login_csrf_and_logout(client: TestClient, world: World) -> None:
    login = world.logins[("customs-nl", "admin")]
    before = _last_seq(world)
    response = client.post(
        f"{API}/session", json={"email": login.email, "password": login.password}
    )
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert "ringfence_session=" in cookie and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http in tests; https adds Secure
    csrf = response.json()["csrf_token"]
    assert ("login", login.email, "customs-nl") in _actions(world, before)
    assert client.get(f"{API}/me").json()["email"] == login.email
    body = {"recipient": "bazaar", "dataset": "outcomes", "fields": ["label"]}
    refused = client.post(f"{API}/sharing", json=body)
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
    wrong = client.post(f"{API}/sharing", json=body, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    created = client.post(f"{API}/sharing", json=body, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201
    revoked = client.delete(f"{API}/sharing/{created.json()['id']}", headers={"X-CSRF-Token": csrf})
    assert revoked.status_code == 200
    assert client.delete(f"{API}/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.set("ringfence_session", response.cookies["ringfence_session"])
    assert client.get(f"{API}/me").status_code == 401  # the ended session no longer works


def test_secure_cookie_over_https(app: object, world: World) -> None:
    login = world.logins[("bazaar", "admin")]
    with TestClient(app, base_url="https://testserver") as secure:  # type: ignore[arg-type]
        response = secure.post(
            f"{API}/session", json={"email": login.email, "password": login.password}
        )
    assert "secure" in response.headers["set-cookie"].lower()


def test_roles_are_enforced(client: TestClient, world: World) -> None:
    task = world.tasks["customs-nl"][-1]
    body = {"positive": False, "result": "clear"}
    analyst = client.post(
        f"{API}/queue/{task}/outcome", json=body, headers=world.headers("customs-nl", "analyst")
    )
    assert analyst.status_code == 403
    grant = {"recipient": "bazaar", "dataset": "outcomes", "fields": ["label"]}
    officer = client.post(
        f"{API}/sharing", json=grant, headers=world.headers("customs-nl", "officer")
    )
    assert officer.status_code == 403
    assert (
        client.get(f"{API}/audit", headers=world.headers("customs-nl", "officer")).status_code
        == 403
    )
    assert (
        client.get(f"{API}/keys", headers=world.headers("bazaar", "investigator")).status_code
        == 403
    )


def test_csrf_token_in_a_form_field(app: object, client: TestClient, world: World) -> None:
    """Browser forms send the token as ``csrf_token``; multipart uploads still parse after it."""
    login = world.logins[("outsider", "analyst")]
    body = {"email": login.email, "password": login.password}
    csrf = client.post(f"{API}/session", json=body).json()["csrf_token"]

    def upload(data: dict[str, str]) -> int:
        files = {"file": ("form.csv", io.BytesIO(b"id,name\nform-1,Form Party\n"), "text/csv")}
        response = client.post(f"{API}/uploads", data=data, files=files)
        if response.status_code == 202:
            app.state.services.jobs.wait(response.json()["id"])  # type: ignore[attr-defined]
        return response.status_code

    assert upload({"feed": "parties"}) == 403
    assert upload({"feed": "parties", "csrf_token": "wrong"}) == 403
    assert upload({"feed": "parties", "csrf_token": csrf}) == 202

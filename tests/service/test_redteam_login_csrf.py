"""Red team R3, as the attacker ran it: a page on another site auto-submits the login form with
the attacker's own credentials ("login CSRF"); the visitor's browser came back signed in to the
attacker's account, so whatever the visitor then uploaded or recorded landed there. The form
now refuses a post another site's page made (``Sec-Fetch-Site``/``Origin``), with 403 and no
session; Ringfence's own form and scripts sign in as before."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.service.world import World


def _post(client: TestClient, world: World, headers: dict[str, str]) -> Any:
    login = world.logins[("swiftpost", "admin")]
    return client.post(
        "/login",
        data={"email": login.email, "password": login.password},
        headers={"accept": "text/html", **headers},
        follow_redirects=False,
    )


def test_login_form_posted_from_another_site_is_refused(client: TestClient, world: World) -> None:
    for forged in (
        {"origin": "https://evil.example", "sec-fetch-site": "cross-site"},
        {"origin": "https://evil.example"},
        {"origin": "null", "sec-fetch-site": "cross-site"},
        {"origin": "https://evil.example", "sec-fetch-site": "same-site"},
        {"sec-fetch-site": "cross-site"},
    ):
        response = _post(client, world, forged)
        assert response.status_code == 403, forged
        assert "ringfence_session" not in response.headers.get("set-cookie", "")
    own = _post(client, world, {"origin": "http://testserver", "sec-fetch-site": "same-origin"})
    assert own.status_code == 303 and "ringfence_session" in own.headers["set-cookie"]
    # Our pages send no referrer, so the browser's own form posts say Origin: null.
    browser = _post(client, world, {"origin": "null", "sec-fetch-site": "same-origin"})
    assert browser.status_code == 303
    scripted = _post(client, world, {})
    assert scripted.status_code == 303

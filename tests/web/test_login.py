"""Logging in and out, the session cookie, and the error pages a browser sees."""

from __future__ import annotations

from typing import Any

from ringfence.service.context import SESSION_COOKIE
from tests.web.helpers import api_json, csrf_token, log_in
from tests.worlds import PreparedWorld


def test_a_wrong_password_shows_an_error_and_sets_no_cookie(
    page: Any, web_world: PreparedWorld
) -> None:
    officer = web_world.login("customs", "officer")
    page.goto("/login")
    page.fill("#email", officer.email)
    page.fill("#password", officer.password + "-wrong")
    page.click("button[type=submit]")
    error = page.get_by_test_id("login-error")
    error.wait_for()
    assert "do not match" in error.inner_text()
    assert page.input_value("#email") == officer.email  # kept, so only the password is retyped
    assert not [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]


def test_login_sets_a_safe_cookie_returns_to_the_page_asked_for_and_logout_ends_it(
    page: Any, web_world: PreparedWorld
) -> None:
    page.goto("/dashboard?days=90")
    assert "/login?next=/dashboard" in page.url  # 401 on a page: off to the login form
    analyst = web_world.login("customs", "analyst")
    page.fill("#email", analyst.email)
    page.fill("#password", analyst.password)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")
    cookie = next(c for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.get_by_test_id("role").inner_text() == "analyst"
    assert api_json(page, "/me")["email"] == analyst.email

    page.click("text=Log out")
    page.wait_for_url("**/login?signed_out=1")
    assert "signed out" in page.content()
    page.goto("/queue")
    assert "/login" in page.url
    assert page.request.get("/api/v1/me").status == 401  # the session itself ended


def test_pages_answer_404_and_403_with_html(page: Any, web_world: PreparedWorld) -> None:
    response = page.goto("/nowhere/at/all")
    assert response is not None and response.status == 404
    assert page.get_by_test_id("error-page").is_visible()
    # htmx asking for a fragment without a session is sent to the login page as a whole.
    polled = {"HX-Request": "true", "HX-Current-URL": "http://testserver/ingest"}
    fragment = page.request.get("/ingest/jobs/1", headers=polled, max_redirects=0)
    assert fragment.status == 401 and fragment.headers["hx-redirect"] == "/login?next=/ingest"

    log_in(page, web_world.login("customs", "analyst"))  # analysts read the queue, never record
    response = page.goto("/shipments/no-such-shipment")
    assert response is not None and response.status == 404
    assert "no-such-shipment" in page.get_by_test_id("error-message").inner_text()
    assert page.locator("nav.nav").is_visible()  # the error page keeps the logged-in chrome
    response = page.goto("/dashboard?days=0")
    assert response is not None and response.status == 400
    assert "days" in page.get_by_test_id("error-message").inner_text()
    task = api_json(page, "/queue?status=all")["tasks"][0]
    form = {"result": "clear", "positive": "false", "csrf_token": csrf_token(page)}
    refused = page.request.post(
        f"/queue/{task['id']}/outcome", form=form, headers={"Accept": "text/html"}
    )
    assert refused.status == 403
    assert "officer" in refused.text() and "<html" in refused.text()
    without_token = page.request.post(
        f"/queue/{task['id']}/outcome", form={"result": "clear", "positive": "false"}
    )
    assert without_token.status == 403 and "CSRF" in without_token.text()

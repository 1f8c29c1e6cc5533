"""Small helpers the browser tests share: logging in, reading tables and JSON twins."""

from __future__ import annotations

from typing import Any

from ringfence.service.seed import DemoLogin
from tests.web.pagecheck import (  # noqa: F401  (re-exported: every browser test checks pages)
    axe_violations,
    check_page,
    overflowing,
    page_height,
    screenshot_dir,
)


def log_in(page: Any, login: DemoLogin) -> None:
    """Log in through the login form and wait for the landing page."""
    page.goto("/login")
    page.fill("#email", login.email)
    page.fill("#password", login.password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def row_ids(page: Any, testid: str) -> list[str]:
    """The ``data-id`` of every body row of the table ``data-testid=testid``, in page order."""
    return page.locator(f"[data-testid={testid}] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.id)"
    )


def api_json(page: Any, path: str, method: str = "GET", **kwargs: Any) -> Any:
    """The JSON twin at ``/api/v1{path}``, fetched with the page's own session cookie.

    Writes (and POST reads such as screening) carry the page's CSRF token, as the UI's do.
    """
    if method != "GET":
        kwargs.setdefault("headers", {})["X-CSRF-Token"] = csrf_token(page)
    response = page.request.fetch(f"/api/v1{path}", method=method, **kwargs)
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json()


def csrf_token(page: Any) -> str:
    """The CSRF token the current page was rendered with."""
    return str(page.locator("input[name=csrf_token]").first.get_attribute("value"))

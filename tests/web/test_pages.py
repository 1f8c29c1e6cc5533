"""Every page each role is offered, looked at as a person would: axe-core (no serious or critical
violation), nothing sticking out sideways on a phone, no script error, and a desktop and a
phone screenshot of each in the screenshot folder (docs/ui.md says where) for a reviewer.

The sweep only reads: it follows the menu, then a shipment and an entity where the role may.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.helpers import check_page, log_in
from tests.web.pagecheck import AXE, screenshot_dir
from tests.worlds import PreparedWorld

VENDOR_README = Path(__file__).parent / "vendor" / "README.md"
ROLES = [
    ("customs", "officer"),
    ("customs", "admin"),
    ("carrier", "analyst"),
    ("marketplace", "investigator"),
    ("ipcrime", "investigator"),
    ("brand", "brand_user"),
]


def _slug(href: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", href.lower()).strip("-") or "start"


@pytest.mark.parametrize(("kind", "role"), ROLES, ids=[f"{k}-{r}" for k, r in ROLES])
def test_every_page_of_a_role_passes_axe_and_fits_a_phone(
    page: Any, web_world: PreparedWorld, kind: str, role: str, script_errors: list[str]
) -> None:
    log_in(page, web_world.login(kind, role))
    menu = page.locator("nav.nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert menu, f"a {role} of a {kind} organisation is offered pages"
    for href in menu:
        page.goto(href)
        check_page(page, f"{kind}-{role}-{_slug(href)}")
    if "/queue" in menu:
        page.goto("/queue?status=all")
        shipment = page.locator("[data-testid=queue] td.shipment a").first
        if shipment.count():
            shipment.click()
            page.wait_for_url("**/shipments/**")
            check_page(page, f"{kind}-{role}-shipment")
            entity = page.locator("[data-testid=parties] a[href^='/entities/']").first
            if entity.count():
                entity.click()
                page.wait_for_url("**/entities/**")
                check_page(page, f"{kind}-{role}-entity")
    assert script_errors == []
    written = {p.name for p in screenshot_dir().glob(f"{kind}-{role}-*.png")}
    assert len(written) >= 2 * len(menu)


def test_the_login_page_passes_axe_and_fits_a_phone(page: Any) -> None:
    page.goto("/login")
    check_page(page, "anonymous-login")
    assert page.locator("input[name=email]").count() == 1
    assert page.locator("input[name=password]").count() == 1


def test_axe_is_the_vendored_release() -> None:
    text = VENDOR_README.read_text(encoding="utf-8")
    found = re.search(
        r"^\| `axe\.min\.js` \| `axe-core` \| (\S+) \|.*`([0-9a-f]{64})` \|$", text, re.M
    )
    assert found, "tests/web/vendor/README.md lists axe.min.js with its version and sha256"
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == found[2]
    assert f"axe v{found[1]}" in AXE.read_text(encoding="utf-8")[:400]
    assert (AXE.parent / "axe-core.LICENSE").is_file()

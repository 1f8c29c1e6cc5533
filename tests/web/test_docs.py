"""docs/ui.md lists every page of the web UI."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.routing import APIRoute

from ringfence.web.pages import PAGE_MODULES

UI_DOC = Path(__file__).resolve().parents[2] / "docs" / "ui.md"


def test_every_page_route_is_documented() -> None:
    text = UI_DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"`(?:POST )?(/[^`?]*)", text))
    routes = {
        route.path
        for module in PAGE_MODULES
        for route in module.router.routes
        if isinstance(route, APIRoute)
    }
    assert routes, "the UI has no pages"
    missing = sorted(routes - documented)
    assert not missing, f"pages missing from docs/ui.md: {missing}"

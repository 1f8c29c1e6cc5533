"""The Content-Security-Policy holds in a real browser: the pages that draw (Vega-Lite charts,
the Cytoscape network) and the htmx forms work under it, and chromium reports no violation."""

from __future__ import annotations

from typing import Any

from tests.web.helpers import api_json, log_in
from tests.worlds import PreparedWorld


def _violations(page: Any) -> list[str]:
    """Every CSP violation the page reports (console and ``securitypolicyviolation`` events)."""
    found: list[str] = []
    page.on(
        "console",
        lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy violation: ' + e.violatedDirective + ' '"
        " + e.blockedURI))"
    )
    return found


def test_pages_draw_under_the_csp(
    page: Any, web_world: PreparedWorld, script_errors: list[str]
) -> None:
    violations = _violations(page)
    log_in(page, web_world.login("customs", "officer"))
    response = page.goto("/dashboard?days=3650")
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-eval" not in policy
    assert response.headers["cache-control"] == "no-store"
    page.locator("#chart-inspections svg").wait_for()  # Vega-Lite drew under the policy
    task = api_json(page, "/queue?status=all")["tasks"][0]
    shipment = api_json(page, f"/shipments/{task['shipment_id']}")
    entity_id = next(p["entity_id"] for p in shipment["parties"] if p["entity_id"])
    page.goto(f"/entities/{entity_id}")
    if len(api_json(page, f"/entities/{entity_id}")["nodes"]) > 1:
        page.locator(".network.network-ready canvas").first.wait_for()  # Cytoscape drew it
    page.goto("/queue")
    page.goto("/ingest")
    assert violations == [] and script_errors == []
    # The detector works, and the policy blocks what an injected script would do.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = 1'; document.body.appendChild(s); }"
    )
    page.wait_for_function("() => true")
    assert page.evaluate("() => window.injected") is None
    page.wait_for_timeout(200)
    assert any("script-src" in v or "Refused" in v for v in violations), violations

"""Red team, stored markup through partner text (held; kept as a test).

Text one organisation writes is shown on another organisation's pages: a brand's notice
(reason, evidence reference) on the marketplace's notices page, the marketplace's decision and
the seller's counter-notice on the brand's portal, the take-down's reason in the marketplace's
listing queue. A partner that writes ``<script>`` or an attribute-breaking quote there must
reach the other side as text: every page escapes it (no tag, no new attribute), and the JSON
twins serve it as JSON (never ``text/html``). Markup is accepted as input (it is ordinary text in
other scripts' punctuation); only its rendering is checked.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from markupsafe import escape

from tests.complaints.conftest import listings_of, of_kind
from tests.service.world import World

API = "/api/v1"
BRAND, BRAND_NAME = "brand-northpeak", "NorthPeak"
PAYLOADS = {
    "reason": "<script>alert('rf-reason')</script>",
    "evidence_ref": '"><img src=x onerror=alert("rf-evidence")>',
    "decision": "</textarea><svg onload=alert('rf-decision')>",
    "counter": "<iframe srcdoc='<script>alert(1)</script>'>rf-counter",
}


def _shows_as_text(page: str, payload: str) -> None:
    """The payload is on the page escaped, and nowhere raw."""
    assert payload not in page
    assert str(escape(payload)) in page


def test_partner_text_reaches_the_other_side_as_text(
    scratch_client: TestClient, scratch_world: World
) -> None:
    world, client = scratch_world, scratch_client
    market = of_kind(world, "marketplace")[0]
    listing = listings_of(world, market, BRAND_NAME)[0]["listing"]
    brand, staff = world.headers(BRAND, "brand_user"), world.headers(market, "investigator")
    body = {"marketplace": market, "listing": listing, "brand": BRAND_NAME,
            "reason": PAYLOADS["reason"], "evidence_ref": PAYLOADS["evidence_ref"]}  # fmt: skip
    filed = client.post(f"{API}/complaints", json=body, headers=brand)
    assert filed.status_code == 201, filed.text
    notice = filed.json()["complaint"]["id"]

    notices = client.get("/listings/notices", headers=staff)
    assert notices.status_code == 200 and f"notice-{notice}" in notices.text
    _shows_as_text(notices.text, PAYLOADS["reason"])
    _shows_as_text(notices.text, PAYLOADS["evidence_ref"])

    steps = (("decide", {"decision": "upheld", "reason": PAYLOADS["decision"]}),
             ("counter-notice", {"statement": PAYLOADS["counter"]}))  # fmt: skip
    for step, form in steps:
        done = client.post(f"/listings/notices/{notice}/{step}", data=form, headers=staff,
                           follow_redirects=False)  # fmt: skip
        assert done.status_code == 303, done.text

    portal = client.get("/brand-portal", headers=brand)
    assert portal.status_code == 200 and listing in portal.text
    for name in ("reason", "decision", "counter"):
        _shows_as_text(portal.text, PAYLOADS[name])
    queue = client.get("/listings/queue", headers=staff)
    assert queue.status_code in (200, 404)  # a marketplace without a review queue has no page
    assert PAYLOADS["decision"] not in queue.text

    twin = client.get(f"{API}/complaints/{notice}", headers=brand)
    assert twin.status_code == 200 and twin.headers["content-type"] == "application/json"
    assert twin.json()["complaint"]["counter_notice"] == PAYLOADS["counter"]  # stored as sent

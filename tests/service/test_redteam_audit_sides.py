"""Red team A1, as the attacker ran it: a notice's validity assessment (``score``, ``valid``) is
the receiving marketplace's (it weighs the marketplace's notice register, its code scans and
customs' seizures), so the filer's side of a notice leaves it out (C5). The audit entries of a
notice are written for both parties with ``score`` and ``valid`` in their detail, and the audit
log showed each organisation's admins every entry under its name whole: brand-lumina, sharing
nothing, filed a notice and read ``score=0.018; valid=False`` off its own audit log (the API,
the page and its CSV export), and ``?q=valid`` found it. The audit log now shows the filer's
copy of a notice's entries as the filer's side of the notice: without the assessment.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ringfence.service.views.complaints import ASSESSMENT
from tests.complaints.conftest import listings_of, of_kind
from tests.service.world import World

API = "/api/v1"
FILER = "brand-lumina"


def _complaint_entries(client: TestClient, world: World, org: str, notice: int) -> list[Any]:
    got = client.get(f"{API}/audit", headers=world.headers(org, "admin"))
    assert got.status_code == 200, got.text
    return [
        e for e in got.json()["entries"]
        if e["action"].startswith("complaint.") and e["detail"].get("complaint") == notice
    ]  # fmt: skip


def test_the_filers_audit_log_carries_no_assessment(
    scratch_client: TestClient, scratch_world: World
) -> None:
    world, client = scratch_world, scratch_client
    market = of_kind(world, "marketplace")[0]
    listing = listings_of(world, market, "Lumina")[0]["listing"]
    body = {"marketplace": market, "listing": listing, "brand": "Lumina",
            "reason": "audit sides probe"}  # fmt: skip
    filed = client.post(f"{API}/complaints", json=body,
                        headers=world.headers(FILER, "brand_user"))  # fmt: skip
    assert filed.status_code == 201, filed.text
    notice = filed.json()["complaint"]
    assert not set(ASSESSMENT) & set(notice)  # C5: the filing answer holds none of it

    # The marketplace's copy of the entry keeps the assessment (its own judgement) ...
    (received,) = _complaint_entries(client, world, market, notice["id"])
    assert {"score", "valid"} <= set(received["detail"])
    # ... the filer's copy is the filer's side of the notice, in the API, page and CSV.
    (own,) = _complaint_entries(client, world, FILER, notice["id"])
    assert own["action"] == "complaint.file" and own["detail"]["listing"] == listing
    assert not set(ASSESSMENT) & set(own["detail"]), own["detail"]
    admin = world.headers(FILER, "admin")
    page = client.get("/audit", params={"q": listing}, headers=admin)
    csv = client.get("/audit", params={"format": "csv", "q": listing}, headers=admin)
    assert page.status_code == csv.status_code == 200
    for text in (page.text, csv.text):
        assert listing in text
        assert "score" not in text and "valid" not in text.replace("invalid", "")
    # Nor does a search on the hidden values find the entry.
    for q in ("score", "valid=false", "valid false"):
        searched = client.get(f"{API}/audit", params={"q": q}, headers=admin)
        assert searched.status_code == 200, searched.text
        assert not [e for e in searched.json()["entries"] if e["action"] == "complaint.file"], q

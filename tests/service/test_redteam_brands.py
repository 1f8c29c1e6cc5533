"""Red team F8, as the attacker ran it: brand-lumina asks to register spellings of
brand-northpeak's approved ``NorthPeak`` — other case and spacing, a company form, accents,
Greek and Cyrillic letters, digits — and an approver, shown nothing, approved them; seizures
recorded under such a spelling then went to brand-lumina. Pending claims must grant nothing,
the approver is told which registration each looks like, and approval is refused."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ringfence.errors import ConflictError
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational import brands as brands_module
from tests.service.world import World

API = "/api/v1"
# Spacing, case and a company form; accents; Greek omicron; Cyrillic letters; digits.
LOOKALIKES = ["North Peak", "NORTHPEAK Inc.", "Nörth-Peak", "Nοrthpeak", "NОRTHРЕАК", "N0rthPeak"]


def _seized_brands(client: TestClient, world: World, organisation: str) -> set[str]:
    """The brands of the seizures ``organisation`` reads that name a NorthPeak spelling."""
    page = client.get(f"{API}/seizures", params={"q": "peak"}, headers=world.headers(organisation))
    assert page.status_code == 200, page.text
    return {str(item.get("brand")) for item in page.json()["items"]}


def test_lookalike_brand_names_are_flagged_and_never_approved(
    scratch_client: TestClient, scratch_world: World
) -> None:
    world, attacker, victim = scratch_world, "brand-lumina", "brand-northpeak"
    with OperationalStore.open(world.settings) as store:
        assert "NorthPeak" in store.approved_brand_names(victim)
    # Customs records a seizure under an odd spelling of the victim's brand.
    task = world.tasks["customs-nl"][-1]
    seizure = {"positive": True, "result": "seized", "brand": "NORTHPEAK Inc.", "units": 3}
    recorded = scratch_client.post(
        f"{API}/queue/{task}/outcome", json=seizure, headers=world.headers("customs-nl", "officer")
    )
    assert recorded.status_code == 201, recorded.text
    assert "NORTHPEAK Inc." in _seized_brands(scratch_client, world, "customs-nl")

    claims = []
    for name in LOOKALIKES:
        body = {"brand": name, "evidence": "trust me"}
        claim = scratch_client.post(f"{API}/brands", json=body, headers=world.headers(attacker))
        assert claim.status_code == 201, claim.text
        assert claim.json()["status"] == "pending" and claim.json()["lookalikes"] == []
        claims.append(claim.json()["id"])
    # Pending claims grant nothing.
    with OperationalStore.open(world.settings) as store:
        assert not set(LOOKALIKES) & store.approved_brand_names(attacker)
    assert "NORTHPEAK Inc." not in _seized_brands(scratch_client, world, attacker)

    # The approver's list says what each claim looks like ...
    listed = scratch_client.get(f"{API}/brands", headers=world.headers("customs-nl")).json()
    flags = {r["id"]: r["lookalikes"] for r in listed["registrations"]}
    for claim_id, name in zip(claims, LOOKALIKES, strict=True):
        assert flags[claim_id], name
        assert all(victim in flag and "NorthPeak" in flag for flag in flags[claim_id])
    assert not any(flags[r["id"]] for r in listed["registrations"] if r["organisation"] == victim)
    # ... and approving any of them is refused, naming the holder.
    for claim_id in claims:
        refused = scratch_client.post(
            f"{API}/brands/{claim_id}/approve", headers=world.headers("customs-nl")
        )
        assert refused.status_code == 409, refused.text
        assert victim in refused.json()["error"]["message"]
    with OperationalStore.open(world.settings) as store:
        assert not set(LOOKALIKES) & store.approved_brand_names(attacker)
    assert "NORTHPEAK Inc." not in _seized_brands(scratch_client, world, attacker)

    # A name that only shares a word is no look-alike.
    fair = scratch_client.post(
        f"{API}/brands", json={"brand": "Peak Lumina"}, headers=world.headers(attacker)
    )
    approved = scratch_client.post(
        f"{API}/brands/{fair.json()['id']}/approve", headers=world.headers("customs-nl")
    )
    assert approved.status_code == 200, approved.text


def test_two_lookalikes_approved_at_once_cannot_both_pass(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two approvers approve ``Acme`` and ``ACME Inc.`` of two organisations at the same moment:
    each approval's check must see the other (PostgreSQL; SQLite writes one at a time)."""
    if not (settings.database_url or "").startswith("postgresql"):
        pytest.skip("concurrent approvals race only on PostgreSQL")
    with OperationalStore.open(settings) as store:
        for org in ("brand-a", "brand-b"):
            store.ensure_organisation(org)
        first = store.register_brand("brand-a", "Acme", [], actor="a")
        second = store.register_brand("brand-b", "ACME Inc.", [], actor="b")
    original = brands_module.brand_clashes

    def slow_check(*args: Any) -> list[str]:
        found = original(*args)
        time.sleep(1.0)  # the other approval runs meanwhile
        return found

    monkeypatch.setattr(brands_module, "brand_clashes", slow_check)
    outcomes: dict[int, str] = {}

    def approve(registration: int) -> None:
        with OperationalStore.open(settings) as store:
            try:
                store.approve_brand(registration, actor="approver", approver="customs-x")
                outcomes[registration] = "approved"
            except ConflictError:
                outcomes[registration] = "refused"

    threads = [threading.Thread(target=approve, args=(r,)) for r in (first, second)]
    for thread in threads:
        thread.start()
        time.sleep(0.2)
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["approved", "refused"], outcomes

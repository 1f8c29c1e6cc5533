"""Red team, list routes that took the newest N rows and then let the gate drop some (as M4 on
code scans, 3f57d54), as the attacker ran them:

- ``GET /listings/actions?limit=N`` read the newest N actions of every owner the gate may pass,
  then dropped those an owner's agreement does not admit: a brand that a marketplace shares
  the actions on its own brand's listings with got ``[]`` for ``limit=1`` once the marketplace
  had acted on other brands' listings since, and raising N until its action appears counted
  them.
- ``GET /complaints`` read the newest 10,000 notices of every party the gate may pass, then
  gated them: 10,000 notices a marketplace received for other brands pushed a brand's own
  notice out of its answer.
- ``GET /complaints?status=`` filtered on the stored status, not on what the caller may see: a
  recipient of notices without their ``status`` field learnt which were upheld by asking for
  ``status=upheld``.
- The notices page took the newest 1,000 notices, then kept the marketplace's own.
- ``POST /screen`` scored the best ``3 x limit`` entities, then gated them.

Every such route now reads through ``service.paging.newest_passing`` (screening with identifiers:
the whole candidate pool). Fresh organisations with
their own agreements, so the world's standing agreements play no part. SQLite and PostgreSQL
(``scratch_world``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from ringfence.service.app import create_app
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.complaint_tables import BrandComplaint
from ringfence.store.operational.complaints import ComplaintDraft
from ringfence.store.operational.listings import ActionDraft
from tests.service.world import OUTSIDER, World, lake_rows

API = "/api/v1"


@pytest.fixture(scope="module")
def client(scratch_world: World) -> Iterator[TestClient]:
    app = create_app(scratch_world.settings)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    app.state.services.jobs.shutdown()
    app.state.services.store.close()


def _orgs(store: OperationalStore, prefix: str, brand_name: str) -> tuple[str, str, str]:
    """A marketplace, a brand organisation holding ``brand_name`` and another brand's."""
    market, brand, other = f"{prefix}-market", f"{prefix}-brand", f"{prefix}-other"
    store.ensure_organisation(market, kind="marketplace")
    store.ensure_organisation(brand, kind="brand")
    store.ensure_organisation(other, kind="brand")
    store.approve_brand(store.register_brand(brand, brand_name, actor="t"), actor="t")
    return market, brand, other


def _key(store: OperationalStore, organisation: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {store.create_api_key(organisation)}"}


def _notice(market: str, filer: str, brand: str, listing: str) -> ComplaintDraft:
    return ComplaintDraft(filer, market, listing, "S1", brand, "fake", 0.9, True, "r")


def test_the_actions_limit_counts_only_actions_the_agreement_admits(
    scratch_world: World, client: TestClient
) -> None:
    with OperationalStore.open(scratch_world.settings) as store:
        market, brand, _ = _orgs(store, "rt-acts", "Actbrand")
        store.create_sharing_agreement(owner=market, recipient=brand, dataset="listing_actions",
                                       fields=["*"], row_filter={"brand": "$recipient_brands"},
                                       actor="t")  # fmt: skip
        until = dt.datetime.now(dt.UTC) + dt.timedelta(days=5)
        store.take_listing_action(ActionDraft(market, "hold", "looks fake", until, listing="L0",
                                              brand="Actbrand"), actor="t")  # fmt: skip
        for i in range(5):  # other brands' listings, acted on after: not the brand's to know of
            store.take_listing_action(ActionDraft(market, "hold", "other", until,
                                                  listing=f"X{i}", brand="Otherbrand"),
                                      actor="t")  # fmt: skip
        headers = _key(store, brand)
    got = client.get(f"{API}/listings/actions", params={"limit": 1}, headers=headers)
    assert got.status_code == 200, got.text
    assert [a["listing"] for a in got.json()["actions"]] == ["L0"], got.text
    every = client.get(f"{API}/listings/actions", headers=headers).json()["actions"]
    assert [a["listing"] for a in every] == ["L0"]


def test_a_status_filter_sees_only_what_the_caller_may_read(
    scratch_world: World, client: TestClient
) -> None:
    with OperationalStore.open(scratch_world.settings) as store:
        market, brand, other = _orgs(store, "rt-status", "Statusbrand")
        # The marketplace shares which listings got notices, not how they were decided.
        store.create_sharing_agreement(owner=market, recipient=brand,
                                       dataset="received_complaints",
                                       fields=["id", "marketplace", "listing"],
                                       actor="t")  # fmt: skip
        upheld = store.file_complaint(_notice(market, other, "Otherbrand", "U1"), actor="t")
        store.decide_complaint(upheld.id, market, "upheld", reason="yes", actor="t")
        rejected = store.file_complaint(_notice(market, other, "Otherbrand", "R1"), actor="t")
        store.decide_complaint(rejected.id, market, "rejected", reason="no", actor="t")
        headers = _key(store, brand)
    shared = client.get(f"{API}/complaints", headers=headers).json()["complaints"]
    assert sorted(c["listing"] for c in shared) == ["R1", "U1"]  # it may read these...
    assert all("status" not in c for c in shared)  # ...but not their status
    for status in ("upheld", "rejected", "pending"):
        got = client.get(f"{API}/complaints", params={"status": status}, headers=headers)
        assert got.status_code == 200, got.text
        assert got.json()["complaints"] == [], (status, got.text)


def _bulk_notices(store: OperationalStore, rows: list[dict[str, Any]]) -> None:
    with store.engine.begin() as connection:
        connection.execute(insert(BrandComplaint), rows)


def test_the_complaints_limit_counts_only_notices_the_gate_passes(
    scratch_world: World, client: TestClient
) -> None:
    with OperationalStore.open(scratch_world.settings) as store:
        market, brand, other = _orgs(store, "rt-many", "Manybrand")
        store.create_sharing_agreement(owner=market, recipient=brand,
                                       dataset="received_complaints", fields=["*"],
                                       row_filter={"brand": "$recipient_brands"},
                                       actor="t")  # fmt: skip
        own = store.file_complaint(_notice(market, brand, "Manybrand", "MINE"), actor="t")
        # More notices for another brand since than the old route's 10,000-row read.
        _bulk_notices(store, [
            {"organisation": other, "marketplace": market, "listing": f"O{i}", "seller": "S2",
             "brand": "Otherbrand", "reason": "fake", "filed_by": "t", "score": 0.5,
             "valid": True, "reasons": "r", "status": "pending", "self_service": False}
            for i in range(10_001)
        ])  # fmt: skip
        headers = _key(store, brand)
    got = client.get(f"{API}/complaints", params={"limit": 1}, headers=headers)
    assert got.status_code == 200, got.text
    assert [c["id"] for c in got.json()["complaints"]] == [own.id], got.text[:300]
    pending = client.get(f"{API}/complaints", params={"status": "pending"}, headers=headers)
    assert [c["id"] for c in pending.json()["complaints"]] == [own.id]


def test_the_notices_page_counts_only_the_marketplaces_own_notices(
    scratch_world: World, client: TestClient
) -> None:
    """The notices page (``/listings/notices``) took the newest 1,000 notices the marketplace
    may read, then kept those it received: notices another marketplace shares with it pushed
    its own out of the page."""
    with OperationalStore.open(scratch_world.settings) as store:
        market, brand, other = _orgs(store, "rt-page", "Pagebrand")
        partner = "rt-page-partner"
        store.ensure_organisation(partner, kind="marketplace")
        store.create_sharing_agreement(owner=partner, recipient=market,
                                       dataset="received_complaints", fields=["*"],
                                       actor="t")  # fmt: skip
        own = store.file_complaint(_notice(market, brand, "Pagebrand", "MINE"), actor="t")
        _bulk_notices(store, [
            {"organisation": other, "marketplace": partner, "listing": f"P{i}", "seller": "S3",
             "brand": "Otherbrand", "reason": "fake", "filed_by": "t", "score": 0.5,
             "valid": True, "reasons": "r", "status": "pending", "self_service": False}
            for i in range(1_001)
        ])  # fmt: skip
        headers = _key(store, market)  # an organisation key: an analyst, as the page needs
    page = client.get("/listings/notices", headers=headers)
    assert page.status_code == 200, page.text[:300]
    assert [int(n) for n in re.findall(r'<tr id="notice-(\d+)"', page.text)] == [own.id]


def test_the_screen_limit_counts_only_matches_the_caller_may_read(
    scratch_world: World, client: TestClient
) -> None:
    """``POST /screen`` scored the best ``3 x limit`` entities of every organisation and then
    dropped those the caller may not read: with ``limit=1`` an organisation's own entity went
    missing behind three others' with better names, and raising the limit until it appears told
    how many rank above it. A word of one of the outsider's own entities' names, whose best
    readable match ranks below third in the whole index, is the probe."""
    from ringfence.service.views.screening import POOL

    headers = scratch_world.headers(OUTSIDER)
    index = client.app.state.services.screening_index()  # type: ignore[attr-defined]
    names = lake_rows(scratch_world.settings, "entities", "SELECT name FROM entities WHERE "
                      f"list_contains(organisations, '{OUTSIDER}') ORDER BY name")  # fmt: skip
    words = sorted({w for r in names for w in str(r["name"] or "").lower().split() if len(w) > 2})
    assert words, "the outsider has no named entity"
    for word in words:
        wide = client.post(f"{API}/screen", json={"name": word, "limit": 50}, headers=headers)
        assert wide.status_code == 200, wide.text
        readable = [m["entity_id"] for m in wide.json()["matches"]]
        ranked = [m.entity_id for m in index.screen({"name": word}, limit=POOL)]
        if not readable or ranked.index(readable[0]) < 3:
            continue
        one = client.post(f"{API}/screen", json={"name": word, "limit": 1}, headers=headers)
        assert one.status_code == 200, one.text
        assert [m["entity_id"] for m in one.json()["matches"]] == readable[:1], word
        return
    pytest.fail(f"no word of the outsider's entity names ranks its entity below third: {words}")

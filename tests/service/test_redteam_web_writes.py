"""Red team, the web pages' write forms aimed at another organisation's records (held; kept as a
test).

THE isolation test (``test_isolation``) probes every ``/api/v1`` route; the web UI has write
forms of its own (``/queue/...``, ``/cases/...``, ``/cases/from``, ``/sharing/{id}/revoke``,
``/listings/queue/...``, ``/listings/notices/{id}/{step}``) whose handlers add glue of their own
around the views (the listing queue's end button looks the action up first, ``/cases/from``
opens or picks the case named in the form). Each is posted, as a browser form would, with the
id of a record of an organisation that granted the poster nothing: the outsider's task, outcome,
case and agreement, the marketplace's listing action and the notice a brand sent it. Every post
is refused (403/404 page), no audit entry but the refusals is written, and the records are
as they were.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ringfence.store.operational import OperationalStore
from ringfence.store.operational.complaints import ComplaintDraft
from tests.complaints.conftest import listings_of, of_kind
from tests.service.test_isolation import _marketplace_action
from tests.service.world import OUTSIDER, World, lake_rows

API = "/api/v1"
REFUSALS = {"request.refused", "request.failed"}


def _writes(world: World) -> list[tuple[str, str | None]]:
    with OperationalStore.open(world.settings) as store:
        return [(e.action, e.organisation) for e in store.audit_entries()
                if e.action not in REFUSALS]  # fmt: skip


def _victims(client: TestClient, world: World) -> dict[str, Any]:
    """Records of organisations that grant the attackers nothing."""
    market = of_kind(world, "marketplace")[0]
    task = world.tasks[OUTSIDER][0]
    recorded = client.post(f"{API}/queue/{task}/outcome", json={"positive": False,
                           "result": "clear"}, headers=world.headers(OUTSIDER))  # fmt: skip
    assert recorded.status_code == 201, recorded.text
    listing = listings_of(world, market, "NorthPeak")[0]["listing"]
    with OperationalStore.open(world.settings) as store:
        case = store.open_case(OUTSIDER, "Victim case", actor="test").id
        agreement = store.create_sharing_agreement(
            owner=OUTSIDER, recipient="swiftpost", dataset="watchlist", fields=["name"],
            actor="test",
        )  # fmt: skip
        draft = ComplaintDraft("brand-northpeak", market, listing, None, "NorthPeak",
                               "victim notice", 0.5, True, "")  # fmt: skip
        notice = store.file_complaint(draft, actor="test").id
    return {"market": market, "task": task, "outcome": recorded.json()["id"], "case": case,
            "agreement": agreement, "action": _marketplace_action(world), "notice": notice,
            "listing": listing}  # fmt: skip


def _attacks(v: dict[str, Any], entity: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(attacker, url, form) for every web write form, at a record the attacker may not touch."""
    case, outcome, task, action = v["case"], v["outcome"], v["task"], v["action"]
    evidence = {"files": {"file": ("e.txt", b"evidence\n", "text/plain")},
                "data": {"custodian": "mallory"}}  # fmt: skip
    return [
        ("customs-nl", f"/queue/{task}/outcome", {"data": {"result": "seized"}}),
        ("customs-nl", f"/queue/outcomes/{outcome}/change",
         {"data": {"task_id": task, "result": "seized", "reason": "mine now"}}),
        ("customs-nl", f"/queue/outcomes/{outcome}/undo", {"data": {"task_id": task}}),
        ("customs-nl", f"/cases/{case}/items", {"data": {"kind": "entity", "ref": entity}}),
        ("customs-nl", f"/cases/{case}/notes", {"data": {"text": "planted note"}}),
        ("customs-nl", f"/cases/{case}/status", {"data": {"status": "closed", "reason": "x"}}),
        ("customs-nl", f"/cases/{case}/evidence", evidence),
        ("customs-nl", f"/cases/{case}/evidence/1/custody", {"data": {"to": "m", "why": "x"}}),
        ("customs-nl", "/cases/from", {"data": {"case": case, "entity": entity}}),
        ("customs-nl", f"/sharing/{v['agreement']}/revoke", {"data": {}}),
        ("customs-nl", "/listings/queue/act",
         {"data": {"kind": "take_down", "listing": v["listing"], "reason": "x"}}),
        ("customs-nl", f"/listings/queue/actions/{action}/end",
         {"data": {"listing": v["listing"], "reason": "x"}}),
        ("brand-northpeak", f"/listings/queue/actions/{action}/undo",
         {"data": {"listing": v["listing"]}}),
        ("brand-lumina", f"/listings/notices/{v['notice']}/decide",
         {"data": {"decision": "rejected", "reason": "not yours"}}),
        ("brand-northpeak", f"/listings/notices/{v['notice']}/decide",
         {"data": {"decision": "upheld", "reason": "my own notice"}}),
        ("customs-nl", f"/listings/notices/{v['notice']}/counter-notice",
         {"data": {"statement": "x"}}),
    ]  # fmt: skip


def test_web_write_forms_refuse_other_organisations_records(
    scratch_client: TestClient, scratch_world: World
) -> None:
    world, client = scratch_world, scratch_client
    victims = _victims(client, world)
    entity = lake_rows(world.settings, "entities", "SELECT entity_id FROM entities WHERE "
                       "list_contains(organisations, 'customs-nl') ORDER BY 1 LIMIT 1")[0]
    before = _writes(world)
    for attacker, url, form in _attacks(victims, entity["entity_id"]):
        headers = {**world.headers(attacker, "admin"), "accept": "text/html"}
        got = client.post(url, headers=headers, follow_redirects=False, **form)
        assert got.status_code in (403, 404), (attacker, url, got.status_code, got.text[:300])
    assert _writes(world) == before
    with OperationalStore.open(world.settings) as store:
        case, items, notes, evidence = store.case_contents(victims["case"])
        assert (case.status, items, notes, evidence) == ("open", [], [], [])
        assert store.brand_complaint(victims["notice"]).status == "pending"
        (agreement,) = [a for a in store.sharing_agreements() if a.id == victims["agreement"]]
        assert agreement.revoked_at is None
        action = store.listing_action(victims["market"], victims["action"])
        assert action.state() == "active"

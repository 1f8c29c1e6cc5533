"""The investigator's API: entity search (typos, identifiers, filters), an entity's links and
timeline, watches and alerts, and adding a network expansion to a case, each as an attacker
from another organisation would try it: nothing it is not granted comes back, and no alert,
watch or mark-read crosses organisations."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ringfence.ingest import ingest_files
from ringfence.service.app import create_app
from tests.service.world import OUTSIDER, OUTSIDER_NAME, World, lake_rows

API = "/api/v1"
INVESTIGATOR, MARKET = "ipr-center", "bazaar"


def _outsider_entity(world: World) -> str:
    sql = f"SELECT entity_id FROM entities WHERE name = '{OUTSIDER_NAME}' LIMIT 1"
    rows = lake_rows(world.settings, "entities", sql)
    return str(rows[0]["entity_id"])


def _carrier_shipper(world: World) -> tuple[str, str]:
    """An entity whose records include a carrier's shipper, and that shipper's key."""
    rows = lake_rows(world.settings, "entity_mentions",
                     "SELECT entity_id, source_key FROM entity_mentions WHERE organisation = "
                     "'swiftpost' AND role = 'shipper' ORDER BY entity_id LIMIT 1")  # fmt: skip
    return str(rows[0]["entity_id"]), str(rows[0]["source_key"])


def _ingest_shipment(world: World, tmp: Path, organisation: str, key: str, shipper: str) -> None:
    path = tmp / f"{key}.csv"
    header = "id,date,shipper,origin_country,description\n"
    path.write_text(f"{header}{key},2025-03-01,{shipper},CN,watched goods {key}\n", "utf-8")
    ingest_files(world.settings, "shipments", [path], organisation=organisation)


def test_search_finds_a_misspelt_name_and_an_identifier_but_only_entities_one_may_read(
    scratch_world: World,
) -> None:
    world = scratch_world
    entity = _outsider_entity(world)
    app: FastAPI = create_app(world.settings)
    with TestClient(app) as client:
        own = world.headers(OUTSIDER)
        typo = client.get(f"{API}/entities", params={"name": "Quilonbry Zyxwave Tradign"},
                          headers=own)  # fmt: skip
        assert typo.status_code == 200, typo.text
        assert entity in [h["entity_id"] for h in typo.json()["hits"]]
        phone = client.get(f"{API}/entities", params={"identifier": "+356 2199 9001"}, headers=own)
        assert [h["entity_id"] for h in phone.json()["hits"]] == [entity]
        assert "phone identical" in phone.json()["hits"][0]["matched"]
        both = client.get(f"{API}/entities", params={"name": OUTSIDER_NAME, "country": "FR"},
                          headers=own)  # fmt: skip
        assert both.json()["hits"] == []  # the country filter applies
        for other in (INVESTIGATOR, MARKET, "customs-nl"):
            for params in ({"name": OUTSIDER_NAME}, {"identifier": "+35621999001"},
                           {"country": "MT"}):  # fmt: skip
                found = client.get(f"{API}/entities", params=params, headers=world.headers(other))
                assert found.status_code == 200
                assert entity not in found.text, (other, params)
        refused = client.get(f"{API}/entities", headers=own)
        assert refused.status_code == 400 and "give a name" in refused.json()["error"]["message"]
        too_long = client.get(f"{API}/entities", params={"name": "x" * 301}, headers=own)
        assert too_long.status_code == 422


def test_links_and_timeline_of_an_entity_come_from_what_the_caller_may_read(
    scratch_world: World,
) -> None:
    world = scratch_world
    entity = _outsider_entity(world)
    app: FastAPI = create_app(world.settings)
    with TestClient(app) as client:
        links = client.get(f"{API}/entities/{entity}/links", headers=world.headers(OUTSIDER))
        assert links.status_code == 200, links.text
        body = links.json()
        truth = lake_rows(world.settings, "shipments",
                          f"SELECT id FROM shipments WHERE organisation = '{OUTSIDER}' "
                          "AND source_key IN ('os-1', 'os-2')")  # fmt: skip
        assert sorted(s["id"] for s in body["shipments"]) == sorted(r["id"] for r in truth)
        assert [s["goods_found"] for s in body["seizures"]] == ["outsider boots"]
        assert len(body["watchlist"]) == 1
        dates = [e["at"] for e in body["timeline"]]
        assert dates == sorted(dates) and {"shipment", "seizure", "first_seen"} <= {
            e["kind"] for e in body["timeline"]
        }
        for other in (INVESTIGATOR, MARKET):
            got = client.get(f"{API}/entities/{entity}/links", headers=world.headers(other))
            assert got.status_code == 404 and "outsider boots" not in got.text


def test_a_new_shipment_alerts_the_watcher_that_may_see_it_and_nobody_else(
    scratch_world: World, tmp_path: Path
) -> None:
    world = scratch_world
    entity, shipper = _carrier_shipper(world)
    outsider_entity = _outsider_entity(world)
    app: FastAPI = create_app(world.settings)
    with TestClient(app) as client:
        investigator, market = world.headers(INVESTIGATOR), world.headers(MARKET)
        outsider = world.headers(OUTSIDER)
        for headers in (investigator, market):
            added = client.post(f"{API}/watches", json={"entity_id": entity}, headers=headers)
            assert added.status_code == 201, added.text
        assert client.post(f"{API}/watches", json={"entity_id": entity},
                           headers=investigator).status_code == 409  # fmt: skip
        # An attacker cannot watch what it may not read (no existence oracle either).
        stolen = client.post(f"{API}/watches", json={"entity_id": outsider_entity},
                             headers=investigator)  # fmt: skip
        assert stolen.status_code == 404
        assert client.post(f"{API}/watches", json={"entity_id": outsider_entity},
                           headers=outsider).status_code == 201  # fmt: skip
        assert client.get(f"{API}/alerts", headers=investigator).json()["alerts"] == []

        _ingest_shipment(world, tmp_path, "swiftpost", "WATCHED-1", shipper)
        _ingest_shipment(world, tmp_path, OUTSIDER, "OUTSIDER-NEW-1", "op-1")

        alerts = client.get(f"{API}/alerts", headers=investigator).json()
        assert [(a["kind"], a["entity_id"]) for a in alerts["alerts"]] == [("shipment", entity)]
        assert "WATCHED-1" in alerts["alerts"][0]["what"] and alerts["unread"] == 1
        # The marketplace watches the same entity but is granted no carrier shipments.
        market_alerts = client.get(f"{API}/alerts", headers=market).json()
        assert market_alerts["alerts"] == [] and "WATCHED-1" not in str(market_alerts)
        own = client.get(f"{API}/alerts", headers=outsider).json()
        assert [a["kind"] for a in own["alerts"]] == ["shipment"]
        assert "OUTSIDER-NEW-1" in own["alerts"][0]["what"]
        for headers in (investigator, market):
            seen = client.get(f"{API}/alerts", headers=headers).text
            assert "OUTSIDER-NEW-1" not in seen and outsider_entity not in seen
        # Marking another organisation's alerts read changes nothing.
        foreign_ids = [a["id"] for a in own["alerts"]]
        marked = client.post(f"{API}/alerts/read", json={"ids": foreign_ids}, headers=investigator)
        assert marked.json()["marked"] == 0
        assert client.get(f"{API}/alerts", headers=outsider).json()["unread"] == 1
        assert client.post(f"{API}/alerts/read", json={}, headers=investigator).json() == {
            "marked": 1, "unread": 0}  # fmt: skip
        assert client.get(f"{API}/alerts", headers=outsider).json()["unread"] == 1
        # The carrier ends the agreement: the alert stays, but no longer names the shipment.
        carrier = world.headers("swiftpost")
        given = client.get(f"{API}/sharing", headers=carrier).json()["given"]
        (grant,) = [a for a in given if a["recipient"] == INVESTIGATOR
                    and a["dataset"] == "shipments" and not a["revoked_at"]]  # fmt: skip
        assert client.delete(f"{API}/sharing/{grant['id']}", headers=carrier).status_code == 200
        (after,) = client.get(f"{API}/alerts", headers=investigator).json()["alerts"]
        assert after["what"] == "no longer shared with you" and after["ref"] is None
        assert "WATCHED-1" not in str(after) and not after["shown"]
        watches = client.get(f"{API}/watches", headers=investigator).json()["watches"]
        assert [w["entity_id"] for w in watches] == [entity]
        removed = client.delete(f"{API}/watches/{outsider_entity}", headers=investigator)
        assert removed.status_code == 404
        assert client.get(f"{API}/watches", headers=outsider).json()["watches"]


def test_a_network_expansion_is_added_to_a_case_in_one_action(scratch_world: World) -> None:
    world = scratch_world
    entity, _ = _carrier_shipper(world)
    app: FastAPI = create_app(world.settings)
    with TestClient(app) as client:
        headers = world.headers(INVESTIGATOR)
        case = client.post(f"{API}/cases", json={"title": "Ring"}, headers=headers).json()["id"]
        profile = client.get(f"{API}/entities/{entity}?hops=2", headers=headers).json()
        added = client.post(f"{API}/cases/{case}/expansion", json={"entity_id": entity, "hops": 2},
                            headers=headers)  # fmt: skip
        assert added.status_code == 200, added.text
        refs = [i["ref"] for i in added.json()["items"]]
        assert refs[0] == entity and sorted(refs) == sorted(
            n["entity_id"] for n in profile["nodes"]
        )
        # All or nothing: one entity the caller may not read refuses the whole batch.
        items = [
            {"kind": "entity", "ref": entity},
            {"kind": "entity", "ref": _outsider_entity(world)},
        ]
        refused = client.post(f"{API}/cases/{case}/items/batch", json={"items": items},
                              headers=headers)  # fmt: skip
        assert refused.status_code == 404
        assert len(client.get(f"{API}/cases/{case}", headers=headers).json()["items"]) == len(refs)
        history = client.get(f"{API}/cases/{case}", headers=headers).json()["history"]
        assert sum(1 for h in history if h["action"] == "case.add") == len(refs)
        timeline = client.get(f"{API}/entities/{entity}/links", headers=headers).json()["timeline"]
        told = [e["text"] for e in timeline if e["kind"] == "case"]
        assert "case opened · Ring" in told and f"added to the case: entity {entity} · Ring" in told
        # The case is not shared with the marketplace: its profile of the entity does not tell.
        theirs = client.get(f"{API}/entities/{entity}/links", headers=world.headers(MARKET))
        assert theirs.status_code == 200 and case not in theirs.text
        assert not [e for e in theirs.json()["timeline"] if e["kind"] == "case"]


def test_page_forms_refuse_foreign_entities_and_out_of_range_values(scratch_world: World) -> None:
    world = scratch_world
    foreign = _outsider_entity(world)
    app: FastAPI = create_app(world.settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        headers = world.headers(INVESTIGATOR)
        cases_before = len(client.get(f"{API}/cases", headers=headers).json()["cases"])
        for path, form in (
            ("/cases/from", {"case": "new", "title": "probe", "entity": foreign}),
            ("/cases/from", {"case": "new", "title": "probe", "entity": foreign, "hops": "2"}),
            ("/cases/from", {"case": "new", "title": "probe", "seizure": "ou-nope"}),
            ("/watches", {"entity_id": foreign}),
        ):
            refused = client.post(path, data=form, headers=headers, follow_redirects=False)
            assert refused.status_code == 404, (path, form, refused.status_code)
            assert foreign not in refused.text or "no entity" in refused.text
        for path, form in (
            ("/alerts/read", {"alert": str(2**63)}),
            ("/cases/from", {"case": "new", "title": "x", "entity": "en-1", "hops": "9"}),
            ("/cases/from", {"case": "new", "title": "t" * 301, "entity": "en-1"}),
        ):
            refused = client.post(path, data=form, headers=headers, follow_redirects=False)
            assert refused.status_code in (400, 422), (path, refused.status_code)
        # Nothing was opened on the way: a refused item never leaves an empty case behind.
        assert len(client.get(f"{API}/cases", headers=headers).json()["cases"]) == cases_before

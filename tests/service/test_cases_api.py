"""Cases through the API: the owner works a case end to end; a partner with an agreement on
``cases`` reads the granted fields and changes nothing; everyone else finds no such case."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ringfence.service.app import create_app
from ringfence.store.operational import OperationalStore
from tests.service.world import World, lake_rows

API = "/api/v1"
OWNER, PARTNER, STRANGER = "customs-nl", "ipr-center", "bazaar"


def test_a_case_is_worked_by_its_owner_and_read_by_partners_it_is_shared_with(
    scratch_world: World,
) -> None:
    world = scratch_world
    app: FastAPI = create_app(world.settings)
    with TestClient(app) as client:
        owner = world.headers(OWNER)
        shipment = lake_rows(world.settings, "shipments",
                             f"SELECT id FROM shipments WHERE organisation = '{OWNER}' LIMIT 1"
                             )[0]["id"]
        opened = client.post(f"{API}/cases", json={"title": "Watches via Rotterdam"},
                             headers=owner)
        assert opened.status_code == 201, opened.text
        case = opened.json()["id"]
        path = f"{API}/cases/{case}"
        added = client.post(f"{path}/items", json={"kind": "shipment", "ref": shipment},
                            headers=owner)
        assert [i["ref"] for i in added.json()["items"]] == [shipment]
        client.post(f"{path}/notes", json={"text": "driver named the seller"}, headers=owner)
        upload = client.post(f"{path}/evidence", data={"custodian": "Officer A", "kind": "photo"},
                             files={"file": ("../../etc/seized.jpg", b"\xff\xd8 goods",
                                             "image/jpeg")}, headers=owner)
        assert upload.status_code == 201, upload.text
        (evidence,) = upload.json()["evidence"]
        assert evidence["file_name"] == "seized.jpg"  # no folders from the client's name
        handed = client.post(f"{path}/evidence/{evidence['id']}/custody",
                             json={"to": "Lab B", "why": "test"}, headers=owner)
        assert handed.json()["evidence"][0]["custodian"] == "Lab B"
        assert client.put(f"{path}/status", json={"status": "referred"},
                          headers=owner).json()["status"] == "referred"
        assert client.get(f"{path}/verify", headers=owner).json()["ok"] is True

        # Before any agreement, partners find nothing, not even that the case exists.
        assert client.get(path, headers=world.headers(PARTNER)).status_code == 404
        with OperationalStore.open(world.settings) as store:
            store.create_sharing_agreement(owner=OWNER, recipient=PARTNER, dataset="cases",
                                           fields=["title", "status", "items"], actor="test")
        seen = client.get(path, headers=world.headers(PARTNER))
        assert seen.status_code == 200
        assert set(seen.json()) == {"id", "organisation", "title", "status", "items"}
        assert [c["id"] for c in client.get(f"{API}/cases", headers=world.headers(PARTNER)
                                            ).json()["cases"]] == [case]
        refused = client.post(f"{path}/notes", json={"text": "mine now"},
                              headers=world.headers(PARTNER))
        assert refused.status_code == 403
        assert client.get(path, headers=world.headers(STRANGER)).status_code == 404
        assert client.get(f"{API}/cases", headers=world.headers(STRANGER)).json()["cases"] == []

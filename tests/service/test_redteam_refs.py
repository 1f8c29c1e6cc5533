"""Red team X1, as the attacker ran it: outcome-like rows (datasets ``outcomes`` and
``seizures``) carry their shipment's owner, origin country and port, joined from the shipment in
the lake (so agreements can filter on a carrier's own parcels). The shipment is the one the
outcome's feed names, and a mapping's ``refs`` lets a feed name another organisation's records:
the outsider, granted nothing by swiftpost, registered a mapping with
``refs: {shipment: {organisation: swiftpost}}``, uploaded outcomes naming parcel keys, and its
own ``GET /api/v1/seizures`` answered each parcel's origin country and port, and
``shipment_organisation: swiftpost`` for a parcel that exists (``None`` for a made-up key): the
carrier's records, read through the outsider's own rows. An outcome row now carries its
shipment's fields only as far as the outcome's owner may read that shipment itself (its own, or
what the shipment's owner shares with it); customs' outcomes on the parcels a carrier shares
with it keep them.
"""

from __future__ import annotations

import io

from fastapi.testclient import TestClient

from tests.service.world import OUTSIDER, World, lake_rows

API = "/api/v1"
JOINED = ("shipment_organisation", "origin_country", "port")
MAPPING = """feed: outcomes
organisation: outsider
refs:
  shipment: {organisation: swiftpost}
key: [Ref]
fields:
  shipment: Parcel
  label: {constant: counterfeit}
  positive: {constant: "1"}
  result: {constant: seized}
  date: {constant: "2025-01-25"}
"""


def test_own_outcomes_do_not_read_another_organisations_shipments(
    scratch_client: TestClient, scratch_world: World
) -> None:
    client, world = scratch_client, scratch_world
    parcels = lake_rows(world.settings, "shipments", "SELECT id, source_key, origin_country, port "
                        "FROM shipments WHERE organisation = 'swiftpost' ORDER BY 1 LIMIT 3")
    headers = world.headers(OUTSIDER)
    files = {"file": ("m.yaml", io.BytesIO(MAPPING.encode()), "application/yaml")}
    registered = client.post(f"{API}/mappings", data={"name": "x1-refs"}, files=files,
                             headers=headers)  # fmt: skip
    assert registered.status_code == 201, registered.text
    csv = "Ref,Parcel\n" + "".join(f"x1-{i},{p['source_key']}\n" for i, p in enumerate(parcels))
    upload = client.post(f"{API}/uploads", data={"feed": "outcomes", "mapping": "x1-refs"},
                         files={"file": ("o.csv", io.BytesIO(csv.encode()), "text/csv")},
                         headers=headers)  # fmt: skip
    assert upload.status_code == 202, upload.text
    client.app.state.services.jobs.wait(upload.json()["id"], timeout=300)  # type: ignore[attr-defined]
    job = client.get(f"{API}/jobs/{upload.json()['id']}", headers=headers).json()
    assert job["status"] == "done", job

    seizures = client.get(f"{API}/seizures", headers=headers)
    assert seizures.status_code == 200, seizures.text
    items = seizures.json()["items"]
    planted = [r for r in items if r.get("shipment_ref") in {p["id"] for p in parcels}]
    assert len(planted) == len(parcels), items  # its own rows, naming swiftpost's parcels
    for row in planted:
        assert {row.get(k) for k in JOINED} == {None}, row
    # Its own parcels' outcomes keep their origin and port.
    own = [r for r in items if r.get("shipment_organisation") == OUTSIDER]
    assert own and all(r.get("origin_country") == "MT" and r.get("port") == "VLT" for r in own)
    # Customs' outcomes on the parcels swiftpost shares with it keep theirs (and with them the
    # carrier's view of holds on its own parcels).
    customs = client.get(f"{API}/seizures", headers=world.headers("customs-nl")).json()["items"]
    theirs = [r for r in customs if r.get("organisation") == "customs-nl"
              and r.get("shipment_organisation") == "swiftpost"]  # fmt: skip
    shipped = lake_rows(world.settings, "outcomes", "SELECT count(*) AS n FROM outcomes o JOIN "
                        "shipments s ON s.id = o.shipment_ref WHERE o.organisation = 'customs-nl'"
                        " AND s.organisation = 'swiftpost' AND o.positive AND o.result = 'seized'")
    assert len(theirs) == shipped[0]["n"] > 0
    assert all(r.get("origin_country") for r in theirs)

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

X1b, the same mapping as a write: outcomes are the models' labels and feed the network risk, so
through ``refs`` anyone could label any carrier's parcels counterfeit. An upload whose mapping
names another organisation's records is now refused (and audited) unless that organisation
shares the referenced feed with the uploader; the rows of X1 are planted here the way an
operator's own ingest still can (``ingest_files``), to keep the read side guarded too.
"""

from __future__ import annotations

import io
from pathlib import Path

from fastapi.testclient import TestClient

from ringfence.ingest.pipeline import ingest_files
from ringfence.store.operational import OperationalStore
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


def _register(client: TestClient, headers: dict[str, str], mapping: str, name: str) -> None:
    files = {"file": ("m.yaml", io.BytesIO(mapping.encode()), "application/yaml")}
    registered = client.post(f"{API}/mappings", data={"name": name}, files=files,
                             headers=headers)  # fmt: skip
    assert registered.status_code == 201, registered.text


def _upload(client: TestClient, headers: dict[str, str], name: str, csv: str) -> object:
    return client.post(f"{API}/uploads", data={"feed": "outcomes", "mapping": name},
                       files={"file": ("o.csv", io.BytesIO(csv.encode()), "text/csv")},
                       headers=headers)  # fmt: skip


def _parcels(world: World) -> list[dict[str, object]]:
    return lake_rows(world.settings, "shipments", "SELECT id, source_key, origin_country, port "
                     "FROM shipments WHERE organisation = 'swiftpost' ORDER BY 1 LIMIT 3")


def test_nobody_labels_another_organisations_parcels_it_is_not_shared(
    scratch_client: TestClient, scratch_world: World
) -> None:
    client, world = scratch_client, scratch_world
    parcels = _parcels(world)
    csv = "Ref,Parcel\n" + "".join(f"x1b-{i},{p['source_key']}\n" for i, p in enumerate(parcels))
    headers = world.headers(OUTSIDER)
    _register(client, headers, MAPPING, "x1b-refs")
    refused = _upload(client, headers, "x1b-refs", csv)
    assert refused.status_code == 400, refused.text  # type: ignore[attr-defined]
    assert "swiftpost" in refused.text and "does not share" in refused.text  # type: ignore[attr-defined]
    planted = lake_rows(world.settings, "outcomes", "SELECT count(*) AS n FROM outcomes "
                        f"WHERE organisation = '{OUTSIDER}'"
                        f" AND shipment_ref IN ({', '.join(repr(p['id']) for p in parcels)})")
    assert planted[0]["n"] == 0
    with OperationalStore.open(world.settings) as store:
        audit = [e for e in store.audit_entries(limit=20) if e.action == "upload.refused"]
    assert audit and audit[0].organisation == OUTSIDER and "refs.shipment" in str(audit[0].detail)
    # Customs labels the parcels swiftpost shares with it: the same mapping, its own name.
    customs = world.headers("customs-nl")
    _register(client, customs, MAPPING.replace("organisation: outsider", "organisation: "
                                               "customs-nl"), "x1b-customs")  # fmt: skip
    accepted = _upload(client, customs, "x1b-customs", csv)
    assert accepted.status_code == 202, accepted.text  # type: ignore[attr-defined]


def test_own_outcomes_do_not_read_another_organisations_shipments(
    scratch_client: TestClient, scratch_world: World, tmp_path: Path
) -> None:
    client, world = scratch_client, scratch_world
    parcels = _parcels(world)
    headers = world.headers(OUTSIDER)
    # Planted as an operator's ingest can (the upload is refused, above): a feed naming
    # another organisation's parcels.
    mapping, rows = tmp_path / "m.yaml", tmp_path / "o.csv"
    mapping.write_text(MAPPING, encoding="utf-8")
    rows.write_text("Ref,Parcel\n" + "".join(f"x1-{i},{p['source_key']}\n"
                                             for i, p in enumerate(parcels)), encoding="utf-8")
    summary = ingest_files(world.settings, "outcomes", [rows], mapping=mapping,
                           organisation=OUTSIDER)  # fmt: skip
    assert summary.accepted == len(parcels), summary

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

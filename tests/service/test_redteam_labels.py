"""Red team F3, as the attacker ran it: "one outcome per label" compared labels as typed, so
``Counterfeit``, ``counterfeit `` and ``COUNTERFEIT`` each recorded another seizure of one
parcel (dashboards counted 4), and any 64-character label was accepted."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ringfence.store.operational import OperationalStore
from tests.service.world import World

API = "/api/v1"


def test_label_variants_do_not_record_a_second_seizure(
    scratch_client: TestClient, scratch_world: World
) -> None:
    headers = scratch_world.headers("customs-nl", "officer")
    task = scratch_world.tasks["customs-nl"][-1]
    seizure = {"positive": True, "result": "seized", "brand": "Lumina", "units": 1, "value": 10}
    statuses = []
    for label in (None, "Counterfeit", "counterfeit ", "COUNTERFEIT", " counter  feit"):
        body = seizure | ({"label": label} if label else {})
        statuses.append(
            scratch_client.post(f"{API}/queue/{task}/outcome", json=body, headers=headers)
        )
    assert [r.status_code for r in statuses[:4]] == [201, 409, 409, 409]
    assert statuses[4].status_code == 400  # not a label of the task at all
    junk = scratch_client.post(
        f"{API}/queue/{task}/outcome", json=seizure | {"label": "x" * 64}, headers=headers
    )
    assert junk.status_code == 400 and "not a label of this task" in junk.text

    shipment = statuses[0].json()["shipment_id"]
    with OperationalStore.open(scratch_world.settings) as store:
        recorded = store.recorded_outcomes("customs-nl", shipment_id=shipment)
    assert [(o.label, o.result) for o in recorded] == [("counterfeit", "seized")]

"""Red team, marketplace protection (issue 11): code scans.

M4: ``GET /codes/scans?limit=N`` took the newest N scans of every organisation and then dropped
those the caller may not read, so the limit counted other organisations' scans: raising N
until one's own newest scan appears told how many scans others recorded since (and a busy
partner crowded one's own scans out of the answer). The limit now counts only rows of owners
the gate may pass, as ``GET /listings/actions`` does.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from ringfence.store.operational import OperationalStore
from ringfence.store.operational.codes import ScanDraft
from tests.complaints.conftest import of_kind
from tests.service.world import World

API = "/api/v1"


def _scan(world: World, org: str, place: str) -> None:
    with OperationalStore.open(world.settings) as store:
        draft = ScanDraft(org, place, "not-a-code", False, None, None, None, None, "malformed")
        store.record_code_scan(draft, actor=f"officer@{org}")


def test_scans_limit_counts_only_scans_one_may_read(
    scratch_client: TestClient, scratch_world: World
) -> None:
    world = scratch_world
    customs, carrier = of_kind(world, "customs")[0], of_kind(world, "carrier")[0]
    _scan(world, customs, "own office")
    for i in range(5):  # the carrier (sharing no scans with customs) scans after
        _scan(world, carrier, f"depot {i}")
    headers = world.headers(customs)
    own = scratch_client.get(f"{API}/codes/scans", params={"limit": 1}, headers=headers)
    assert own.status_code == 200, own.text
    assert [s["place"] for s in own.json()["scans"]] == ["own office"], own.text

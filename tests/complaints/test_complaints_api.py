"""Brand complaints through the API: a brand files for its own brands only, against a
marketplace's real listing; only the two parties read a notice; only the receiving marketplace
decides, records counter-notices and reinstates; upholding takes the listing down (and feeds the
page-view measure), reinstating brings it back; every write is audited; attackers (another
brand, a non-marketplace, oversize or control-character bodies, unknown keys) change nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ringfence.metrics.pageviews import recorded_complaints
from ringfence.service.app import create_app
from ringfence.store.operational import OperationalStore
from tests.complaints.conftest import listings_of, of_kind
from tests.service.world import World

API = "/api/v1"


def _audit_events(world: World, organisation: str) -> list[str]:
    with OperationalStore.open(world.settings) as store:
        return [e.action for e in store.audit_entries() if e.organisation == organisation]


def test_notice_is_filed_for_own_brands_read_by_parties_decided_by_the_marketplace(
    scratch_world: World,
) -> None:
    world = scratch_world
    market = of_kind(world, "marketplace")[0]
    northpeak, lumina = "brand-northpeak", "brand-lumina"
    target = listings_of(world, market, "NorthPeak")[0]
    body = {"marketplace": market, "listing": target["listing"], "brand": "NorthPeak",
            "reason": "counterfeit: test buy", "evidence_ref": "TB-1"}  # fmt: skip
    with TestClient(create_app(world.settings)) as client:
        url = f"{API}/complaints"
        # Attackers first: nothing they send is stored.
        as_other = client.post(url, json=body, headers=world.headers(lumina))
        assert as_other.status_code == 403 and "NorthPeak" in as_other.text
        nowhere = client.post(url, json={**body, "listing": "no-such-listing"},
                              headers=world.headers(northpeak))  # fmt: skip
        assert nowhere.status_code == 404
        customs = of_kind(world, "customs")[0]
        not_market = client.post(url, json={**body, "marketplace": customs},
                                 headers=world.headers(northpeak))  # fmt: skip
        assert not_market.status_code == 404
        for bad in ({"reason": "x" * 501}, {"reason": "ok\u202egpj.exe"},
                    {"reason": "nul\x00"}, {"organisation": lumina}):  # fmt: skip
            refused = client.post(url, json={**body, **bad}, headers=world.headers(northpeak))
            assert refused.status_code == 422, refused.text
        huge = client.post(url, content=b"{" + b" " * (world.settings.max_request_bytes + 10)
                           + b"}", headers={**world.headers(northpeak),
                                            "Content-Type": "application/json"})  # fmt: skip
        assert huge.status_code == 413
        with OperationalStore.open(world.settings) as store:
            assert store.brand_complaints() == []

        filed = client.post(url, json=body, headers=world.headers(northpeak, "brand_user"))
        assert filed.status_code == 201, filed.text
        notice = filed.json()["complaint"]
        assert notice["status"] == "pending" and notice["seller"] == target["seller"]
        # The validity assessment weighs the marketplace's register and customs' seizures: the
        # marketplace reads it, the filer does not (red team C5).
        assert not {"score", "valid", "reasons"} & set(notice)
        cid = notice["id"]
        assessed = client.get(f"{url}/{cid}", headers=world.headers(market)).json()["complaint"]
        assert 0 <= assessed["score"] <= 1 and assessed["reasons"]
        own = client.get(f"{url}/{cid}", headers=world.headers(northpeak)).json()["complaint"]
        assert not {"score", "valid", "reasons"} & set(own) and own["status"] == "pending"
        twin = client.post(url, json=body, headers=world.headers(northpeak))
        assert twin.status_code == 409 and f"notice {cid}" in twin.text
        assert "complaint.file" in _audit_events(world, northpeak)
        assert "complaint.file" in _audit_events(world, market)

        # Only the two parties read it.
        for org, status in ((northpeak, 200), (market, 200), (lumina, 404), (customs, 404)):
            got = client.get(f"{url}/{cid}", headers=world.headers(org))
            assert got.status_code == status, (org, got.text)
            listed = client.get(url, headers=world.headers(org)).json()["complaints"]
            assert (cid in [c["id"] for c in listed]) == (status == 200)
        # The other brand's brand users neither read nor withdraw it.
        theirs = world.headers(lumina, "brand_user")
        assert client.get(f"{url}/{cid}", headers=theirs).status_code == 404
        assert client.post(f"{url}/{cid}/withdraw", json={"reason": "x"},
                           headers=theirs).status_code == 404  # fmt: skip
        portal = client.get(f"{API}/brand-portal/complaints", headers=theirs).json()
        assert cid not in [c["id"] for c in portal["complaints"]]
        # Only the receiving marketplace's staff decide; the other brand cannot withdraw it.
        decide = {"decision": "upheld", "reason": "test buy confirmed fake"}
        assert client.post(f"{url}/{cid}/decide", json=decide,
                           headers=world.headers(northpeak)).status_code == 403  # fmt: skip
        assert client.post(f"{url}/{cid}/withdraw", json={"reason": "x"},
                           headers=world.headers(lumina)).status_code == 404  # fmt: skip
        upheld = client.post(f"{url}/{cid}/decide", json=decide, headers=world.headers(market))
        assert upheld.status_code == 200, upheld.text
        out = upheld.json()
        assert out["complaint"]["status"] == "upheld"
        assert out["action"]["kind"] == "take_down" and out["action"]["state"] == "active"
        assert out["action"]["source"] == f"complaint:{cid}"
        again = client.post(f"{url}/{cid}/decide", json=decide, headers=world.headers(market))
        assert again.status_code == 409

        # The page-view measure reads the upheld notice.
        rows = recorded_complaints(world.settings).to_pylist()
        assert [r["decision"] for r in rows] == ["upheld"]

        # Counter-notice and reinstatement: the listing comes back, the notice is rejected.
        reinstate = {"reason": "seller showed invoices"}
        early = client.post(f"{url}/{cid}/reinstate", json=reinstate,
                            headers=world.headers(market))  # fmt: skip
        assert early.status_code == 409  # no counter-notice yet
        counter = client.post(f"{url}/{cid}/counter-notice",
                              json={"statement": "genuine stock, invoices attached"},
                              headers=world.headers(market))  # fmt: skip
        assert counter.status_code == 200, counter.text
        back = client.post(f"{url}/{cid}/reinstate", json=reinstate, headers=world.headers(market))
        assert back.status_code == 200, back.text
        assert back.json()["complaint"]["status"] == "rejected"
        assert back.json()["action"]["state"] == "reinstated"
        assert [r["decision"] for r in recorded_complaints(world.settings).to_pylist()] == [
            "rejected"
        ]
        events = _audit_events(world, market)
        for event in ("complaint.decide", "complaint.counter_notice", "complaint.reinstate",
                      "listing.take_down", "listing.reinstate"):  # fmt: skip
            assert event in events, event

"""``POST /listings/score`` and ``GET /listings/queue``: a marketplace scores its own draft
listings with the stored seller model; other organisations and unknown keys are refused."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from ringfence.listings.service import lake_listings, load_scorer
from ringfence.service.app import create_app
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore

API = "/api/v1"


def test_score_route_matches_the_scorer(market: tuple[Path, Settings]) -> None:
    _, settings = market
    with OperationalStore.open(settings) as store:
        store.ensure_organisation("customs-y", "Customs Y", "customs")
        own = {"Authorization": f"Bearer {store.create_api_key('bazaar')}"}
        other = {"Authorization": f"Bearer {store.create_api_key('customs-y')}"}
    row = lake_listings(settings).iloc[-1]
    draft = {"seller": str(row["seller"]), "brand": row["brand"], "price": 1.0, "listing": "d-1"}
    expected = load_scorer(settings).score("bazaar", draft)
    app = create_app(settings)
    with TestClient(app) as client:
        scored = client.post(f"{API}/listings/score", json={"listings": [draft]}, headers=own)
        assert scored.status_code == 200, scored.text
        (answer,) = scored.json()["listings"]
        assert (answer["listing"], answer["score"]) == ("d-1", expected.score)
        assert answer["reasons"] == expected.reasons
        refused = client.post(f"{API}/listings/score", json={"listings": [draft]}, headers=other)
        assert refused.status_code == 403
        unknown = client.post(
            f"{API}/listings/score",
            headers=own,
            json={"listings": [{**draft, "organisation": "customs-y"}]},
        )
        assert unknown.status_code == 422
        assert client.get(f"{API}/listings/queue", headers=own).json()["organisation"] == "bazaar"
        assert client.get(f"{API}/listings/queue", headers=other).status_code == 403
        missing = client.get(f"{API}/listings/queue?review_date=1999-01-01", headers=own)
        assert missing.status_code == 404

"""The first opening of a shipment or an entity does not wait for the derived indexes: a served
app (``create_app(warm=True)``, as ``ringfence serve`` builds it) builds them in the background
as it starts, and an app built without warming leaves them to the first request."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from ringfence.service.app import create_app
from ringfence.service.context import Services
from tests.worlds import PreparedWorld

PAGE_NEEDS = ("scorer", "network", "network_risk", "shipment_owners")
WARM_SECONDS = 120.0


def _services(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def test_a_served_app_builds_what_pages_need_before_the_first_request(
    web_world: PreparedWorld,
) -> None:
    with TestClient(create_app(web_world.settings)) as cold:
        time.sleep(0.5)
        assert not _services(cold).is_built(*PAGE_NEEDS), "without warm nothing is built early"
        _services(cold).forget_derived()  # as an ingest through an earlier server did
    with TestClient(create_app(web_world.settings, warm=True)) as client:
        services = _services(client)
        deadline = time.monotonic() + WARM_SECONDS
        while not services.is_built(*PAGE_NEEDS) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert services.is_built(*PAGE_NEEDS)
        warmed = services.scorer(), services.shipment_owners()
        login = web_world.login("customs", "officer")
        client.post("/login", data={"email": login.email, "password": login.password})
        shipment = web_world.queued[login.organisation][0]
        page = client.get(f"/shipments/{shipment}")
        assert page.status_code == 200 and "Risk" in page.text
        # The requests used what was warmed: data that landed before the app started does not
        # make the first request drop it (it did: the stamp of the last ingest was read as new).
        assert (services.scorer(), services.shipment_owners()) == warmed
        assert services.scorer() is warmed[0]

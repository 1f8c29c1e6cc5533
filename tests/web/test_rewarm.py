"""After an ingest the served app builds its derived indexes again by itself, so the first page
opened on the new data does not wait seconds for them (``Services.warm_in_background``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ringfence.service.context import DERIVED
from tests.web.helpers import log_in
from tests.worlds import PreparedWorld

REWARM_SECONDS = 180.0
HEADER = "id,schema,name,country,phone,email,confirmed_by,confirmed_at,brand,notes"
ROW = "RW1,Company,Rewarm Test Trading Ltd,HK,+852 2000 0001,rw@rewarm.example,Customs,2025-01-10,,"


def _wait_built(services: Any) -> bool:
    deadline = time.monotonic() + REWARM_SECONDS
    while not services.is_built(*DERIVED):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_indexes_are_built_again_after_an_ingest_before_any_page_asks(
    page: Any, web_world: PreparedWorld, live_app: Any, tmp_path: Path, script_errors: list[str]
) -> None:
    services = live_app.state.services
    assert _wait_built(services), "the served app warms its indexes at start-up"
    before = services.entity_table()

    upload = tmp_path / "rewarm.csv"
    upload.write_text(f"{HEADER}\n{ROW}\n", encoding="utf-8")
    log_in(page, web_world.login("customs", "analyst"))
    page.goto("/ingest")
    page.select_option("#u-feed", "watchlist")
    page.set_input_files("#u-file", str(upload))
    page.click("[data-testid=upload-form] button[type=submit]")
    page.wait_for_function(
        "() => { const c = document.querySelector('[data-testid=jobs] .job');"
        " return c && c.dataset.status === 'done'"
        " && c.textContent.includes('rewarm.csv'); }",
        timeout=30_000,
    )

    # The ingest dropped the indexes (new data); no request comes, yet they are built again.
    assert _wait_built(services), f"indexes not rebuilt {REWARM_SECONDS:.0f} s after an ingest"
    assert services.entity_table() is not before, "rebuilt over the new data, not the old"

    # So the first shipment opened after the ingest finds them ready and builds nothing.
    shipment = web_world.queued[web_world.login("customs", "officer").organisation][0]
    started = time.perf_counter()
    page.goto(f"/shipments/{shipment}")
    opened = time.perf_counter() - started
    assert page.locator("h1").inner_text().strip()
    assert services.is_built(*DERIVED) and services.entity_table() is not before
    print(f"first shipment page after the ingest: {opened * 1000:.0f} ms")
    assert script_errors == []

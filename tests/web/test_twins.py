"""Every HTML page shows the same data as its JSON twin under /api/v1 (same view, same model).

Each check opens the page in the browser and fetches the twin with the same session, then
compares what the page lists (rows, ids, numbers) with the model the API returned.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest

from tests.web.helpers import api_json, log_in, row_ids
from tests.worlds import PreparedWorld


def _number(text: str) -> float:
    """A number as the pages print it (thin-space thousands, optional %)."""
    return float(text.replace("\u202f", "").replace("%", "").strip())


def _leading_number(text: str) -> float:
    """The number a field starts with ("1\u202f346.78 EUR" → 1346.78): the thousands separator
    is a narrow no-break space, which ``str.split`` would take for a word break."""
    found = re.match(r"[-\d\u202f.,]+", text.strip())
    assert found, f"no number at the start of {text!r}"
    return _number(found.group(0).replace(",", ""))


def _queue(page: Any) -> None:
    page.goto("/queue?status=all")
    model = api_json(page, "/queue?status=all")
    assert model["tasks"]
    assert row_ids(page, "queue") == [str(t["id"]) for t in model["tasks"]]
    for task in model["tasks"]:
        row = page.locator(f"#task-{task['id']}")
        assert row.get_attribute("data-shipment") == task["shipment_id"]
        shown = sum(min(3, len(reasons)) for reasons in task["reasons"].values())  # 3 per label
        assert row.locator(".chip:not(.explore):not(.more)").count() == shown


def _shipment(page: Any) -> None:
    task = api_json(page, "/queue?status=all")["tasks"][0]
    page.goto(f"/shipments/{task['shipment_id']}")
    model = api_json(page, f"/shipments/{task['shipment_id']}")
    assert page.get_by_test_id("shipment-ref").get_attribute("data-id") == model["shipment"]["id"]
    assert row_ids(page, "parties") == [p["mention_id"] for p in model["parties"]]
    for key, value in model["shipment"].items():
        field = page.locator(f"dd[data-field={key}]")
        if not field.count() or value in (None, ""):
            continue
        text = field.inner_text()
        org = field.locator("[data-org]")  # an organisation is shown by its name
        if org.count():
            assert org.first.get_attribute("data-org") == value, key
            assert text and text != value, key
        elif isinstance(value, int | float) and not isinstance(value, bool):
            assert abs(_leading_number(text) - value) <= 0.5, key  # shown rounded
        elif isinstance(value, list):  # a list (transit countries) is shown item by item
            assert value and all(str(item) in text for item in value), key
        else:
            assert str(value).split("T")[0] in text, key
    if model["outcomes"]:
        assert row_ids(page, "outcomes") == [str(o["id"]) for o in model["outcomes"]]


def _entity(page: Any) -> None:
    task = api_json(page, "/queue?status=all")["tasks"][0]
    shipment = api_json(page, f"/shipments/{task['shipment_id']}")
    entity_id = next(p["entity_id"] for p in shipment["parties"] if p["entity_id"])
    page.goto(f"/entities/{entity_id}")
    model = api_json(page, f"/entities/{entity_id}")
    assert page.get_by_test_id("entity-name").inner_text().startswith(model["entity"]["name"])
    if len(model["nodes"]) > 1:
        drawn = json.loads(page.locator("#network-data").text_content() or "{}")
        assert [n["data"]["id"] for n in drawn["nodes"]] == [n["entity_id"] for n in model["nodes"]]
        assert len(drawn["edges"]) == len(model["edges"])
        page.locator(".network.network-ready canvas").first.wait_for()  # Cytoscape drew it
    assert row_ids(page, "mentions") == [m["id"] for m in model["mentions"]]


def _dashboard(page: Any) -> None:
    page.goto("/dashboard?days=3650")
    model = api_json(page, "/dashboard?days=3650")
    for name in ("inspections", "seizures", "open_tasks", "watchlisted"):
        assert _number(page.locator(f"[data-stat={name}]").inner_text()) == model["headline"][name]
    assert row_ids(page, "daily") == [d["date"] for d in model["daily"]]
    assert row_ids(page, "chart-origin") == [c["key"] for c in model["seizures_by_origin"]]
    assert row_ids(page, "chart-brand") == [c["key"] for c in model["seizures_by_brand"]]
    assert row_ids(page, "precision") == [r["selected_by"] for r in model["model_precision"]]
    assert page.locator(".chart").count() >= 3
    page.wait_for_function(  # Vega-Lite drew every chart from its inline spec
        "() => [...document.querySelectorAll('.chart')]"
        ".every(c => c.classList.contains('chart-ready') && c.querySelector('svg'))"
    )


def _watchlist(page: Any) -> None:
    page.goto("/watchlist")
    model = api_json(page, "/watchlist")
    assert model["items"]
    assert row_ids(page, "watchlist") == [r["id"] for r in model["items"]]
    name = model["items"][0]["name"]
    page.goto(f"/watchlist?q={quote(name[:5])}")
    searched = api_json(page, f"/watchlist?q={quote(name[:5])}")
    assert row_ids(page, "watchlist") == [r["id"] for r in searched["items"]]


def _seizures(page: Any) -> None:
    page.goto("/seizures")
    model = api_json(page, "/seizures")
    assert model["items"]
    assert row_ids(page, "seizures") == [r["id"] for r in model["items"]]


def _screening(page: Any) -> None:
    name = api_json(page, "/watchlist")["items"][0]["name"]
    page.goto(f"/screen?name={quote(name)}")
    model = api_json(page, "/screen", method="POST", data={"name": name})
    assert model["matches"]
    likely = [m["entity_id"] for m in model["matches"] if m["score"] >= model["likely_threshold"]]
    weak = [m["entity_id"] for m in model["matches"] if m["score"] < model["likely_threshold"]]
    assert likely and len(likely) == model["likely"], "a watchlisted name is a likely match"
    assert row_ids(page, "screen-matches") == likely
    assert row_ids(page, "screen-weak-matches") == weak  # folded below, not padding the hits


def _jobs(page: Any) -> None:
    page.goto("/ingest")
    model = api_json(page, "/jobs")
    shown = page.locator("[data-testid=jobs] .job").evaluate_all(
        "els => els.map(e => e.dataset.id)"
    )
    assert shown == [str(j["id"]) for j in model["jobs"]]
    assert [o for o in page.locator("#u-feed option").all_inner_texts()] == model["feeds"]


def _sharing(page: Any) -> None:
    page.goto("/sharing")
    model = api_json(page, "/sharing")
    assert model["given"] and model["received"]
    assert row_ids(page, "agreements-given") == [str(a["id"]) for a in model["given"]]
    assert row_ids(page, "agreements-received") == [str(a["id"]) for a in model["received"]]


def _audit(page: Any) -> None:
    page.goto("/audit")
    model = api_json(page, "/audit")
    assert model["entries"]
    assert row_ids(page, "audit") == [str(e["seq"]) for e in model["entries"]]
    assert ("intact" in page.get_by_test_id("chain-status").inner_text()) == model["chain_ok"]


PAGES = {
    "queue": ("officer", _queue),
    "shipment": ("officer", _shipment),
    "entity": ("officer", _entity),
    "dashboard": ("officer", _dashboard),
    "watchlist": ("officer", _watchlist),
    "seizures": ("officer", _seizures),
    "screening": ("officer", _screening),
    "ingest": ("analyst", _jobs),
    "sharing": ("admin", _sharing),
    "audit": ("admin", _audit),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_and_json_twin_carry_the_same_data(
    page: Any, web_world: PreparedWorld, script_errors: list[str], name: str
) -> None:
    role, check = PAGES[name]
    log_in(page, web_world.login("customs", role))
    check(page)
    assert script_errors == []

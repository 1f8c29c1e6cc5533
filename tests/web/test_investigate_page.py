"""An investigator finds an entity by a misspelt name, opens it, opens a case from it and adds
its network expansion in one action; then watches it, a new shipment of one of its records is
ingested, and the alert shows in the menu's badge and on the alerts page. Every page passes axe
at desktop and phone size and fits both viewports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ringfence.ingest import ingest_files
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from tests.web.helpers import api_json, check_page, log_in, overflowing
from tests.web.pagecheck import DESKTOP
from tests.worlds import PreparedWorld

NEW_SHIPMENT = "WEB-WATCH-0001"


def _watched_candidate(world: PreparedWorld) -> dict[str, Any]:
    """An entity with a carrier's shipper record and a name of a long word to misspell."""
    lake, engine = Lake(world.settings), open_engine(world.settings)
    try:
        lake.register(engine, "entity_mentions")
        lake.register(engine, "entities")
        rows = engine.query(
            "SELECT e.entity_id, e.name, m.source_key FROM entities e JOIN entity_mentions m "
            "ON m.entity_id = e.entity_id WHERE m.organisation = 'swiftpost' AND m.role = "
            "'shipper' AND length(e.name) > 12 ORDER BY e.mention_count DESC, e.entity_id"
        ).to_pylist()
    finally:
        engine.close()
    return rows[0]


def _misspelt(name: str) -> str:
    """The name with one letter of its longest word left out (``Quanzhou`` → ``Quanzou``)."""
    words = name.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    words[longest] = word[: len(word) // 2] + word[len(word) // 2 + 1 :]
    return " ".join(words)


def _fits(page: Any) -> None:
    page.set_viewport_size(DESKTOP)
    assert overflowing(page) == []


def test_an_investigator_searches_opens_a_case_adds_an_expansion_and_watches(
    page: Any, web_world: PreparedWorld, script_errors: list[str], tmp_path: Path
) -> None:
    target = _watched_candidate(web_world)
    entity = target["entity_id"]
    log_in(page, web_world.login("ipcrime", "investigator"))
    page.goto("/entities")
    typo = _misspelt(target["name"])
    assert typo.casefold() != target["name"].casefold()
    page.fill("#q-name", typo)
    page.click("[data-testid=entity-search-form] button[type=submit]")
    hit = page.locator(f"[data-testid=entity-hits] tr[data-id='{entity}'] a")
    hit.wait_for()
    twin = api_json(page, f"/entities?name={typo}")
    assert entity in [h["entity_id"] for h in twin["hits"]]
    _fits(page)
    check_page(page, "entity-search")

    hit.click()
    page.wait_for_url(f"**/entities/{entity}")
    page.get_by_test_id("timeline").wait_for()
    links = api_json(page, f"/entities/{entity}/links")
    assert page.locator("[data-testid=linked-shipments] tbody tr").count() == min(
        20, len(links["shipments"])
    )
    page.fill("#case-title", f"Ring around {target['name']}")
    page.click("[data-testid=case-from-entity-form] button[type=submit]")
    page.wait_for_url("**/cases/ca-*")
    case = page.url.rsplit("/", 1)[-1].split("#")[0]
    assert [i["ref"] for i in api_json(page, f"/cases/{case}")["items"]] == [entity]

    page.goto(f"/entities/{entity}?hops=2")
    nodes = api_json(page, f"/entities/{entity}?hops=2")["nodes"]
    page.select_option("#expansion-case", case)
    page.click("[data-testid=add-expansion-form] button[type=submit]")
    page.wait_for_url(f"**/cases/{case}#items")
    items = api_json(page, f"/cases/{case}")["items"]
    assert sorted(i["ref"] for i in items) == sorted({entity, *(n["entity_id"] for n in nodes)})
    assert page.locator("[data-testid=case-items] tr, [data-testid=case-items] li").count() >= len(
        items
    )

    page.goto(f"/entities/{entity}")
    page.fill("#watch-note", "shipper of the ring")
    page.click("[data-testid=watch-form] button[type=submit]")
    page.get_by_test_id("unwatch-form").wait_for()
    _fits(page)
    check_page(page, "entity-investigate")

    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        f"id,date,shipper,origin_country,description\n"
        f"{NEW_SHIPMENT},2025-01-15,{target['source_key']},CN,earbuds\n",
        encoding="utf-8",
    )
    ingest_files(web_world.settings, "shipments", [manifest], organisation="swiftpost")

    page.goto("/alerts")
    assert page.get_by_test_id("alerts-badge").inner_text().startswith("1")
    alert = page.locator("[data-testid=alerts] li[data-kind=shipment]")
    assert alert.count() == 1 and NEW_SHIPMENT in alert.inner_text()
    twin = api_json(page, "/alerts")
    assert [(a["kind"], a["entity_id"]) for a in twin["alerts"]] == [("shipment", entity)]
    _fits(page)
    check_page(page, "alerts")
    alert.locator("button").click()
    page.wait_for_url("**/alerts")
    assert page.get_by_test_id("alerts-badge").count() == 0
    assert script_errors == []


def test_a_case_is_opened_from_a_seizure(
    page: Any, web_world: PreparedWorld, script_errors: list[str]
) -> None:
    log_in(page, web_world.login("ipcrime", "investigator"))
    page.goto("/seizures")
    form = page.get_by_test_id("case-from-seizure-form")
    seizure = form.locator("#seizure-pick").input_value()
    _fits(page)
    check_page(page, "seizures-case-form")
    page.fill("#seizure-case-title", "Seized handbags")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/cases/ca-*")
    case = page.url.rsplit("/", 1)[-1].split("#")[0]
    seized = [s for s in api_json(page, "/seizures")["items"] if s["id"] == seizure]
    (item,) = api_json(page, f"/cases/{case}")["items"]
    assert item["kind"] == "shipment" and item["note"].startswith(f"seizure {seizure}")
    assert [s["shipment_ref"] for s in seized] == [item["ref"]]
    assert script_errors == []

"""The list pages' tables in a browser: click a header to sort, filter a column, the state in a
shareable URL that the JSON twin answers the same way, CSV export of every matching row, an
honest empty state when a filter matches nothing; axe, phone overflow and screenshots."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.web.helpers import api_json, check_page, log_in, row_ids
from tests.worlds import PreparedWorld

# page → (organisation kind, role, header to sort by, its key, column to filter, items key, id)
TABLES = {
    "seizures": ("customs", "officer", "Value", "value", "brand", "items", "id"),
    "watchlist": ("customs", "officer", "Confirmed", "confirmed_at", "brand", "items", "id"),
    "audit": ("customs", "admin", "Who", "actor", "action", "entries", "seq"),
}


def _ids(model: dict[str, Any], items: str, key: str) -> list[str]:
    return [str(item[key]) for item in model[items]]


def _query(page: Any) -> str:
    return urlparse(page.url).query


@pytest.mark.parametrize("name", list(TABLES))
def test_a_table_sorts_filters_and_exports_with_its_state_in_the_url(
    page: Any, web_world: PreparedWorld, script_errors: list[str], name: str
) -> None:
    kind, role, header, key, column, items, id_key = TABLES[name]
    log_in(page, web_world.login(kind, role))
    page.goto(f"/{name}")
    check_page(page, f"table-{name}")
    table = page.get_by_test_id(name)

    # Sort: a click on the header sorts ascending, a second one descending; the twin agrees.
    for direction, prefix in (("ascending", ""), ("descending", "-")):
        table.locator("th a.sort", has_text=header).click()
        page.wait_for_url(f"**sort={prefix}{key}*")
        sorted_by = table.locator(f"th[aria-sort={direction}]").inner_text()
        assert sorted_by.casefold().startswith(header.casefold())
        model = api_json(page, f"/{name}?{_query(page)}")
        assert model["table"]["sort"] == f"{prefix}{key}"
        assert row_ids(page, name) == _ids(model, items, id_key)

    # Filter one column by a value the table holds; the URL carries it, the twin matches it.
    first = model[items][0][column]
    wanted = (first[0] if isinstance(first, list) else str(first))[:6]
    page.get_by_test_id(f"{name}-filters").locator("summary").click()
    page.fill(f"#{name}-f-{column}", wanted)
    page.get_by_test_id(f"{name}-filters").locator("button[type=submit]").click()
    page.wait_for_url(f"**{column}=*")
    filtered = api_json(page, f"/{name}?{_query(page)}")
    assert filtered["table"]["filters"] == {column: wanted}
    assert filtered[items] and all(
        wanted.casefold() in str(item[column]).casefold() for item in filtered[items]
    )
    assert row_ids(page, name) == _ids(filtered, items, id_key)
    assert (
        page.get_by_test_id(f"{name}-count")
        .inner_text()
        .startswith(f"{filtered['table']['matched']} of")
    )

    # The URL is shareable: opened afresh it shows the same rows, sorted the same way.
    shared = page.url
    page.goto("/dashboard")
    page.goto(shared)
    assert row_ids(page, name) == _ids(filtered, items, id_key)

    # CSV: every matching row (all pages), same order, with the table's column names.
    with page.expect_download() as download:
        page.get_by_test_id(f"{name}-csv").click()
    assert download.value.suggested_filename == f"{name}.csv"
    with open(download.value.path(), encoding="utf-8") as handle:
        lines = list(csv.reader(io.StringIO(handle.read())))
    assert header in lines[0]
    assert len(lines) - 1 == filtered["table"]["matched"]

    # A filter that matches nothing says so, and offers to clear it.
    page.goto(f"/{name}?{column}=no-such-value-anywhere")
    empty = page.get_by_test_id("empty").inner_text()
    assert "matches this filter" in empty and "Clear the filters" in empty
    check_page(page, f"table-{name}-no-match")
    assert script_errors == []


def test_a_bad_part_of_a_shared_link_is_left_out_with_a_notice_and_the_twin_refuses_it(
    page: Any, web_world: PreparedWorld
) -> None:
    log_in(page, web_world.login("customs", "officer"))
    response = page.goto("/seizures?sort=colour&page=abc&q=")
    assert response.status == 200
    notice = page.get_by_test_id("link-notice").inner_text()
    assert "sort: no column 'colour'" in notice and "page: a whole number" in notice
    assert page.get_by_test_id("seizures").count() == 1, "the table is shown"
    csv_link = str(page.locator("[data-testid=seizures-csv]").get_attribute("href"))
    assert "colour" not in csv_link and "abc" not in csv_link
    links = page.locator("table.data thead a").evaluate_all("as => as.map(a => a.href)")
    assert links and not [h for h in links if "colour" in h or "abc" in h]
    twin = page.request.get("/api/v1/seizures?sort=colour")
    assert twin.status == 400 and "colour" in twin.text()
    check_page(page, "table-seizures-bad-link")


def test_the_audit_log_sorts_by_its_header_name(page: Any, web_world: PreparedWorld) -> None:
    log_in(page, web_world.login("customs", "admin"))
    response = page.goto("/audit?sort=-when")
    assert response.status == 200 and page.get_by_test_id("link-notice").count() == 0
    assert "sorted by when descending" in page.get_by_test_id("audit-count").inner_text()


def test_the_watchlist_shows_one_row_per_party_with_its_sources_and_links_to_it(
    page: Any, web_world: PreparedWorld
) -> None:
    log_in(page, web_world.login("customs", "officer"))
    page.goto("/watchlist")
    model = api_json(page, "/watchlist")
    listings = sum(len(item["entries"]) for item in model["items"])
    grouped = [item for item in model["items"] if len(item["entries"]) > 1]
    assert grouped, "partners list the same counterfeiter more than once in the demo world"
    assert len(model["items"]) < listings
    entity = grouped[0]
    row = page.locator(f"[data-testid=watchlist] tr[data-id='{entity['id']}']")
    chips = row.locator("td[data-label='Listed by'] .chip")
    sources = chips.evaluate_all("cs => cs.map(c => c.dataset.org)")
    assert sorted(sources) == sorted({e["organisation"] for e in entity["entries"]})
    assert not set(chips.all_inner_texts()) & set(sources), "partners by name, not slug"
    assert row.locator("td[data-label=Name] a").get_attribute("href") == (
        f"/entities/{entity['entity_id']}"
    )
    row.locator("td[data-label=Details] summary").click()
    assert row.locator("td[data-label=Details] dt").count() == len(entity["entries"])
    for header in ("Listed by", "Notes"):  # no longer pushed out of view
        cell = page.locator("[data-testid=watchlist] th", has_text=header)
        box = cell.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1440


def test_seizures_show_the_tracking_number_not_the_internal_id(
    page: Any, web_world: PreparedWorld
) -> None:
    log_in(page, web_world.login("customs", "officer"))
    page.goto("/seizures")
    model = api_json(page, "/seizures")
    cells = page.locator("[data-testid=seizures] td[data-label=Shipment]").all_inner_texts()
    assert cells == [item.get("tracking_number") or "not shared" for item in model["items"]]
    assert not any(text.startswith("sh-") for text in cells)


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("target_date=2025-13-45", "is not a date"),
        ("target_date=yesterday", "is not a date"),
        ("target_date=1999-01-01", "No inspection list for 1999-01-01"),
        ("port=NOWHERE", "No shipment matches this filter"),
        ("status=cancelled", "No shipment matches this filter"),
    ],
)
def test_the_queue_says_what_an_empty_list_means(
    page: Any, web_world: PreparedWorld, query: str, says: str
) -> None:
    log_in(page, web_world.login("customs", "officer"))
    page.goto(f"/queue?{query}")
    empty = page.get_by_test_id("empty").inner_text()
    assert says in empty
    assert "has an outcome" not in empty and "Well done" not in empty
    assert "riskiest first" not in page.locator(".page-head p").first.inner_text() or (
        "target_date" not in query
    )

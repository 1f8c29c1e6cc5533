"""An officer's day: log in, open the queue, record a seizure, see the dashboard change."""

from __future__ import annotations

from typing import Any

from tests.web.helpers import api_json, log_in, row_ids
from tests.worlds import PreparedWorld

WHOLE_HISTORY = "?days=3650"


def _stat(page: Any, name: str) -> str:
    return str(page.locator(f"[data-stat={name}]").inner_text()).strip()


def test_officer_records_a_seizure_and_the_dashboard_counts_it(
    page: Any, web_world: PreparedWorld, script_errors: list[str]
) -> None:
    log_in(page, web_world.login("customs", "officer"))
    assert page.url.endswith("/queue")  # an officer lands on the queue
    assert page.locator("nav.nav a[aria-current=page]").inner_text() == "Inspection queue"

    page.goto(f"/dashboard{WHOLE_HISTORY}")
    before = api_json(page, f"/dashboard{WHOLE_HISTORY}")
    assert _stat(page, "seizures") == str(before["headline"]["seizures"])

    page.goto("/queue")
    tasks = row_ids(page, "queue")
    assert tasks, "the prepared world gave the officer an inspection list"
    first = page.locator(f"#task-{tasks[0]}")
    assert first.locator(".chip").count() > 0  # each shipment shows why it was picked
    first.locator("[data-testid=seize] summary").click()  # Seized opens its short form
    first.locator("[data-testid=seize-form] button[type=submit]").click()
    # htmx swaps the row in place: same page, the row now says what was found.
    status = page.locator(f"#task-{tasks[0]} [data-testid=task-status]")
    status.wait_for()
    assert status.inner_text() == "seized"
    assert page.url.endswith("/queue")
    assert row_ids(page, "queue") == tasks  # nothing else on the page moved

    page.goto(f"/dashboard{WHOLE_HISTORY}")
    after = api_json(page, f"/dashboard{WHOLE_HISTORY}")
    assert after["headline"]["seizures"] == before["headline"]["seizures"] + 1
    assert _stat(page, "seizures") == str(after["headline"]["seizures"])
    assert _stat(page, "open_tasks") == str(before["headline"]["open_tasks"] - 1)
    inspected = {r["selected_by"]: r["inspected"] for r in after["model_precision"]}
    inspected_before = {r["selected_by"]: r["inspected"] for r in before["model_precision"]}
    assert sum(inspected.values()) == sum(inspected_before.values()) + 1
    page.locator("#chart-inspections svg").wait_for()  # Vega-Lite drew the chart
    assert script_errors == []


def test_the_queue_works_without_javascript(
    browser: Any, live_server: str, web_world: PreparedWorld
) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, web_world.login("customs", "officer"))
        tasks = row_ids(page, "queue")
        assert tasks
        page.locator(f"#task-{tasks[-1]} button[data-outcome=clear]").click()
        page.wait_for_load_state()
        # POST, redirect, GET: back on the open queue, where the cleared task no longer is.
        assert "/queue" in page.url
        assert tasks[-1] not in row_ids(page, "queue")
    finally:
        context.close()

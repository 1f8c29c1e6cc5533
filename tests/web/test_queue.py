"""Safe outcomes in the queue: two tabs, undo, change with a reason, the seizure form, keys."""

from __future__ import annotations

import re
from typing import Any

from tests.web.helpers import api_json, check_page, log_in
from tests.web.pagecheck import DESKTOP
from tests.web.queues import ExtraQueue
from tests.worlds import PreparedWorld

CONFLICT, UNDO, CHANGE, KEYS, SEIZE = 5, 6, 7, 8, 10  # rows of the long queue (see conftest)


def _open(page: Any, world: PreparedWorld, queue: ExtraQueue) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(queue.url)


def _api_task(page: Any, queue: ExtraQueue, task_id: int) -> dict[str, Any]:
    model = api_json(page, f"/queue?target_date={queue.target_date}&status=all")
    return next(t for t in model["tasks"] if t["id"] == task_id)


def _status(page: Any, task_id: int) -> str:
    status = page.locator(f"#task-{task_id} [data-testid=task-status]")
    status.wait_for()
    return str(status.inner_text()).strip()


def test_two_tabs_cannot_record_contradicting_outcomes(
    browser: Any, live_server: str, web_world: PreparedWorld, long_queue: ExtraQueue
) -> None:
    context = browser.new_context(base_url=live_server)
    try:
        first, second = context.new_page(), context.new_page()
        log_in(first, web_world.login("customs", "officer"))
        task = long_queue.task_ids[CONFLICT]
        for tab in (first, second):
            _open(tab, web_world, long_queue)
        first.locator(f"#task-{task} button[data-outcome=clear]").click()
        assert _status(first, task) == "clear"
        # The second tab still shows the task open; its seizure is refused, and its row now
        # says what the first tab recorded, who did and when.
        row = second.locator(f"#task-{task}")
        row.locator("[data-testid=seize] summary").click()
        row.locator("[data-testid=seize-form] button[type=submit]").click()
        conflict = second.locator(f"#task-{task} [data-testid=conflict]")
        conflict.wait_for()
        officer = web_world.login("customs", "officer").email
        ref = row.get_attribute("data-ref")
        assert re.fullmatch(
            rf"Shipment {ref} already recorded: Clear — by {re.escape(officer)} at "
            r"\d\d:\d\d UTC\. Use Change… to correct it\.",
            conflict.inner_text().strip(),
        )
        assert _status(second, task) == "clear"
        stored = _api_task(second, long_queue, task)
        assert [o["result"] for o in stored["outcomes"]] == ["clear"]
        # The API twin refuses the same way.
        refused = second.request.post(
            f"/api/v1/queue/{task}/outcome",
            data={"positive": True, "result": "seized"},
            headers={"X-CSRF-Token": _csrf(second)},
        )
        assert refused.status == 409
        assert "recorded by" in refused.json()["error"]["message"]
    finally:
        context.close()


def _csrf(page: Any) -> str:
    return str(page.locator("input[name=csrf_token]").first.get_attribute("value"))


def test_undo_within_seconds_then_change_with_a_reason(
    page: Any, web_world: PreparedWorld, long_queue: ExtraQueue, script_errors: list[str]
) -> None:
    log_in(page, web_world.login("customs", "officer"))
    _open(page, web_world, long_queue)
    task = long_queue.task_ids[UNDO]
    page.locator(f"#task-{task} button[data-outcome=irregular]").click()
    assert _status(page, task) == "irregular"
    page.locator(f"#task-{task} button[data-action=undo]").click()
    page.locator(f"#task-{task} button[data-outcome=clear]").wait_for()  # open again
    assert _api_task(page, long_queue, task)["outcomes"] == []

    task = long_queue.task_ids[CHANGE]
    page.locator(f"#task-{task} button[data-outcome=clear]").click()
    assert _status(page, task) == "clear"
    row = page.locator(f"#task-{task}")
    row.locator("details.change summary").click()
    form = row.locator("[data-testid=change-form]")
    form.locator("select[name=result]").select_option("seized")
    form.locator("button[type=submit]").click()  # no reason: the browser does not send it
    assert _status(page, task) == "clear"
    form.locator("textarea[name=reason]").fill("labels were fake on a second look")
    form.locator("button[type=submit]").click()
    page.locator(f"#task-{task} [data-testid=outcome-change]").wait_for()
    assert _status(page, task) == "seized"
    assert (
        "labels were fake"
        in page.locator(f"#task-{task} [data-testid=outcome-change]").inner_text()
    )
    (outcome,) = _api_task(page, long_queue, task)["outcomes"]
    assert (outcome["result"], outcome["change_reason"]) == (
        "seized",
        "labels were fake on a second look",
    )
    # Without a reason the API refuses the change.
    refused = page.request.post(
        f"/api/v1/outcomes/{outcome['id']}/change",
        data={"positive": False, "result": "clear"},
        headers={"X-CSRF-Token": _csrf(page)},
    )
    assert refused.status == 422
    check_page(page, "customs-officer-queue-after-outcomes")
    assert script_errors == []


def test_seized_opens_a_form_prefilled_from_the_declaration(
    page: Any, web_world: PreparedWorld, long_queue: ExtraQueue
) -> None:
    log_in(page, web_world.login("customs", "officer"))
    _open(page, web_world, long_queue)
    task = long_queue.task_ids[SEIZE]
    model = _api_task(page, long_queue, task)
    shipment = model["shipment"]
    listed = api_json(page, f"/queue?target_date={long_queue.target_date}")
    brands, others = listed["brands"], listed["other_brands"]
    assert "NorthPeak" in brands, "registered brands are offered"
    assert others and not set(others) & set(brands), "then the brands seizures already name"
    row = page.locator(f"#task-{task}")
    row.locator("[data-testid=seize] summary").click()
    form = row.locator("[data-testid=seize-form]")
    options = form.locator("select[name=brand] option").all_inner_texts()
    unregistered = [f"{b} (not registered)" for b in others]
    assert options == ["No brand / not known", *brands, *unregistered]  # a pick-list
    assert form.locator("input[name=goods_found]").input_value() == shipment["description"]
    assert float(form.locator("input[name=value]").input_value()) == shipment["declared_value"]
    assert form.locator("input[name=currency]").input_value() == shipment["currency"]
    check_page(page, "customs-officer-queue-seizure-form")
    form.locator("select[name=brand]").select_option("NorthPeak")
    form.locator("input[name=units]").fill("12")
    form.locator("button[type=submit]").click()
    assert _status(page, task) == "seized"
    details = page.locator(f"#task-{task} [data-testid=outcome-details]").inner_text()
    assert "NorthPeak" in details and "12 units" in details and shipment["currency"] in details
    (outcome,) = _api_task(page, long_queue, task)["outcomes"]
    assert outcome["details"]["brand"] == "NorthPeak"
    assert outcome["details"]["goods_found"] == shipment["description"]


def test_keyboard_triage(page: Any, web_world: PreparedWorld, long_queue: ExtraQueue) -> None:
    log_in(page, web_world.login("customs", "officer"))
    _open(page, web_world, long_queue)
    assert page.locator("[data-testid=queue-keys]").is_visible()
    rows = [f"task-{i}" for i in long_queue.task_ids]

    def current() -> str:
        return str(page.evaluate("() => document.activeElement.id"))

    page.keyboard.press("j")
    assert current() == rows[0]
    assert "current" in str(page.locator(f"#{rows[0]}").get_attribute("class"))
    for _ in range(KEYS):
        page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("j")
    target = long_queue.task_ids[KEYS]
    assert current() == f"task-{target}"
    # A visible focus: the current row is highlighted.
    shade = page.locator(f"#task-{target} td").first.evaluate(
        "td => getComputedStyle(td).boxShadow"
    )
    assert shade != "none"
    page.keyboard.press("c")
    assert _status(page, target) == "clear"
    assert current() == f"task-{target}"  # the swapped row stays current
    page.keyboard.press("u")
    page.locator(f"#task-{target} button[data-outcome=clear]").wait_for()
    # htmx gives the swapped row its focus back when it settles (20 ms after the swap): a key
    # pressed before that has its focus taken away (seen on PostgreSQL, where undo is slower).
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    page.keyboard.press("s")
    assert page.locator(f"#task-{target} details.seize").get_attribute("open") is not None
    assert page.evaluate("() => document.activeElement.name") == "brand"
    page.keyboard.press("Escape")
    assert page.locator(f"#task-{target} details.seize").get_attribute("open") is None
    page.keyboard.press("i")
    assert _status(page, target) == "irregular"


def test_risk_reasons_and_names_are_readable(
    page: Any, web_world: PreparedWorld, long_queue: ExtraQueue
) -> None:
    log_in(page, web_world.login("customs", "officer"))
    _open(page, web_world, long_queue)
    model = api_json(page, f"/queue?target_date={long_queue.target_date}&status=all")
    for task in model["tasks"]:
        row = page.locator(f"#task-{task['id']}")
        band = row.locator(".score .band").inner_text()
        p = task["probability"]
        assert band == ("High" if p >= 0.5 else "Elevated" if p >= 0.05 else "Low")
        if task["value_at_stake"]:
            assert model["value_currency"] in row.locator("td.risk").inner_text()
        # Every row action names its shipment.
        ref = str(row.get_attribute("data-ref"))
        for control in row.locator("button, summary").all():
            assert ref in str(control.get_attribute("aria-label")), control.inner_text()
    assert any(t["value_at_stake"] for t in model["tasks"]), "the long queue has values at stake"
    count = page.locator("[data-testid=queue-count]").inner_text()
    assert count.startswith(f"{len(model['tasks'])} shipments")
    # Weights say what they do; colour is kept for what needs action.
    weights = page.locator("[data-testid=queue] .chip .weight")
    assert weights.count() > 0
    spoken = weights.first.locator(".visually-hidden").inner_text()
    assert spoken in {"raises risk by", "lowers risk by"}
    assert "log-odds" in str(page.locator("[data-testid=queue] .chip").first.get_attribute("title"))
    chips = page.locator("[data-testid=queue] .chip:not(.more):not(.explore)")
    red = page.locator("[data-testid=queue] .chip.watchlist")
    assert red.count() < chips.count() / 2, "most reasons are not alarms"
    for text in red.all_inner_texts():
        assert "watchlist" in text.casefold()


def test_opening_a_shipment_shows_a_loading_sign(
    page: Any, web_world: PreparedWorld, long_queue: ExtraQueue
) -> None:
    log_in(page, web_world.login("customs", "officer"))
    _open(page, web_world, long_queue)
    # What the page shows right after the click, kept across the navigation that follows.
    page.evaluate(
        """() => document.addEventListener("click", () => {
             const sign = document.getElementById("page-loading");
             sessionStorage.setItem("sign", sign.hidden ? "" : sign.textContent);
           })"""
    )
    page.locator(f"#task-{long_queue.task_ids[0]} td.shipment a").click()
    page.wait_for_url("**/shipments/**")
    assert str(page.evaluate("() => sessionStorage.getItem('sign')")).startswith("Opening shipment")

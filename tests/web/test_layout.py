"""Layout, measured in the browser: a day's queue stays dense, nothing overflows on a phone."""

from __future__ import annotations

from typing import Any

from tests.web.helpers import axe_violations, check_page, log_in, page_height, row_ids
from tests.web.pagecheck import DESKTOP, PHONE, shot
from tests.web.queues import LONG_QUEUE, ExtraQueue
from tests.worlds import PreparedWorld

# A 20-row queue measured 21,270 px when the network drawing's height leaked into reason chips;
# a row that reads well is about 150 px.
MAX_QUEUE_HEIGHT = 4000


def test_a_20_row_queue_is_under_4000_px_at_1440_by_900(
    page: Any, web_world: PreparedWorld, long_queue: ExtraQueue, script_errors: list[str]
) -> None:
    log_in(page, web_world.login("customs", "officer"))
    page.set_viewport_size(DESKTOP)
    page.goto(long_queue.url)
    assert row_ids(page, "queue") == [str(i) for i in long_queue.task_ids]
    assert len(long_queue.task_ids) == LONG_QUEUE
    height = page_height(page)
    assert height < MAX_QUEUE_HEIGHT, f"the {LONG_QUEUE}-row queue is {height} px tall"
    # Every row is about as tall as its content: no row is more than a screen.
    tallest = page.locator("[data-testid=queue] tbody tr").evaluate_all(
        "rows => Math.max(...rows.map(r => r.getBoundingClientRect().height))"
    )
    assert tallest < 400, f"a queue row is {tallest} px tall"
    check_page(page, "customs-officer-queue-20-rows")
    # The dark scheme (it follows the system setting) keeps its contrast too.
    page.emulate_media(color_scheme="dark")
    assert axe_violations(page) == []
    shot(page, "customs-officer-queue-20-rows-dark", "desktop")
    assert script_errors == []


def test_the_shipment_page_risk_card_is_compact(
    page: Any, web_world: PreparedWorld, long_queue: ExtraQueue
) -> None:
    log_in(page, web_world.login("customs", "officer"))
    page.set_viewport_size(DESKTOP)
    page.goto(long_queue.url)
    first = page.locator(f"#task-{long_queue.task_ids[0]} a[href^='/shipments/']").first
    first.click()
    page.wait_for_url("**/shipments/**")
    card = page.locator("[data-testid=score]").bounding_box()
    assert card is not None and card["height"] < 900, f"the risk card is {card} tall"
    check_page(page, "customs-officer-shipment")


def test_the_top_bar_is_short_on_a_phone_and_names_the_organisation_in_full_on_a_desktop(
    page: Any, web_world: PreparedWorld
) -> None:
    log_in(page, web_world.login("customs", "admin"))  # the longest menu
    page.set_viewport_size(PHONE)
    page.goto("/audit")
    bar = page.locator("header.topbar")
    height = bar.evaluate("el => el.getBoundingClientRect().height")
    assert height <= 80, f"the phone's sticky top bar is {height} px of 844"
    tops = page.locator("nav.nav a").evaluate_all(
        "as => [...new Set(as.map(a => Math.round(a.getBoundingClientRect().top)))]"
    )
    assert len(tops) == 1, "the menu is one (scrolling) line"
    padding = page.evaluate("() => getComputedStyle(document.documentElement).scrollPaddingTop")
    assert float(padding.removesuffix("px")) >= height
    shot(page, "top-bar-admin-audit", "phone")
    page.set_viewport_size(DESKTOP)
    page.goto("/audit")
    org = page.get_by_test_id("organisation")
    assert org.evaluate("el => el.scrollWidth <= el.clientWidth"), "the name is cut off"

"""A brand owner sees the seizures of its own brands' goods and nothing else."""

from __future__ import annotations

from typing import Any

from tests.web.helpers import api_json, log_in, row_ids
from tests.worlds import PreparedWorld

OWN_BRANDS = {"NorthPeak", "Glacier Line"}  # brand-northpeak's brands feed (simulated world)


def _goods(task_id: str, brand: str) -> str:
    return f"40 {brand} jackets (task {task_id})"


def _seize(page: Any, task_id: str, brand: str) -> None:
    """Record a seizure of ``brand`` goods through the queue row's detailed seizure form."""
    row = page.locator(f"#task-{task_id}")
    row.locator("[data-testid=seize] summary").click()
    form = row.locator("[data-testid=seize-form]")
    form.locator("select[name=brand]").select_option(brand)  # registered brands only
    form.locator("input[name=goods_found]").fill(_goods(task_id, brand))
    form.locator("input[name=units]").fill("40")
    form.locator("input[name=value]").fill("1200")
    form.locator("button[type=submit]").click()
    page.locator(f"#task-{task_id} [data-testid=task-status]").wait_for()


def test_a_brand_sees_only_its_own_seizures(
    browser: Any, live_server: str, web_world: PreparedWorld
) -> None:
    officer_context = browser.new_context(base_url=live_server)
    try:
        officer = officer_context.new_page()
        log_in(officer, web_world.login("customs", "officer"))
        open_tasks = row_ids(officer, "queue")
        assert len(open_tasks) >= 2, "the queue needs two open tasks for this test"
        _seize(officer, open_tasks[0], "NorthPeak")
        _seize(officer, open_tasks[1], "Lumina")
        own_goods, other_goods = _goods(open_tasks[0], "NorthPeak"), _goods(open_tasks[1], "Lumina")
    finally:
        officer_context.close()

    brand_context = browser.new_context(base_url=live_server)
    try:
        page = brand_context.new_page()
        log_in(page, web_world.login_of("brand-northpeak", "brand_user"))
        menu = page.locator("nav.nav a").all_inner_texts()
        assert "Seizures" in menu and "Inspection queue" not in menu
        page.goto("/seizures")
        shown = api_json(page, "/seizures")["items"]
        assert shown, "the NorthPeak seizure just recorded is shared with NorthPeak"
        assert {row["brand"] for row in shown} <= OWN_BRANDS
        goods = {row.get("goods_found") for row in shown}
        assert own_goods in goods and other_goods not in goods
        assert row_ids(page, "seizures") == [row["id"] for row in shown]
        brands_on_page = page.locator(
            "[data-testid=seizures] td[data-label=Brand]"
        ).all_inner_texts()
        assert set(brands_on_page) <= OWN_BRANDS
        assert "Lumina" not in page.content()
    finally:
        brand_context.close()

"""What a per-role review in the browser found, measured: the header names every organisation
whole on one row at 1440 px, partners are named (not by slug), money in several currencies
stacks, no pickers without a list, no day windows over nothing dated, and the dashboard charts
(bars a day wide) follow a switch to the dark scheme."""

from __future__ import annotations

import secrets
from typing import Any

from ringfence.service.seed import DemoLogin
from ringfence.sim.config import ORGANISATIONS
from tests.web.helpers import api_json, check_page, log_in
from tests.web.pagecheck import DESKTOP, PHONE
from tests.worlds import PreparedWorld

NAMES = {slug: name for slug, name, _ in ORGANISATIONS}
ONE_ROW_PX = 64  # the top bar's height when brand, menu and who-am-I share one row

_HEADER = """() => {
  const box = (q) => document.querySelector(q).getBoundingClientRect();
  const org = document.querySelector('[data-testid=organisation]');
  return { bar: box('header.topbar').height, nav: box('nav.nav').top, who: box('.whoami').top,
           right: box('.whoami').right, text: org.textContent.trim(),
           clipped: org.scrollHeight > org.clientHeight + 1
                    || org.scrollWidth > org.clientWidth + 1 };
}"""


def test_every_role_sees_its_organisation_named_whole_on_one_header_row(
    page: Any, web_world: PreparedWorld
) -> None:
    page.set_viewport_size(DESKTOP)
    seen: set[tuple[str, str]] = set()
    for login in web_world.logins:
        if (login.kind, login.role) in seen or login.organisation not in NAMES:
            continue
        seen.add((login.kind, login.role))
        page.context.clear_cookies()
        log_in(page, login)
        page.goto("/dashboard")
        header = page.evaluate(_HEADER)
        who = f"{login.role} of {login.organisation}"
        assert header["text"] == NAMES[login.organisation], who
        assert not header["clipped"], f"{who}: the organisation's name is cut off"
        assert header["bar"] <= ONE_ROW_PX, f"{who}: the top bar is {header['bar']} px tall"
        assert abs(header["nav"] - header["who"]) < 20, f"{who}: menu and name on two rows"
        assert header["right"] <= DESKTOP["width"]
    assert {kind for kind, _ in seen} >= {"customs", "carrier", "marketplace", "brand", "ipcrime"}
    assert ("customs", "admin") in seen  # the longest menu


def test_partners_are_named_by_name_on_the_marketplace_carrier_and_sharing_pages(
    page: Any, web_world: PreparedWorld
) -> None:
    log_in(page, web_world.login_of("bazaar", "investigator"))
    page.goto("/dashboard")
    seen = page.locator("[data-testid=sellers-seen] td[data-label='Seen by'] .chip")
    assert seen.count() > 0
    for slug, text in zip(
        seen.evaluate_all("cs => cs.map(c => c.dataset.org)"), seen.all_inner_texts(), strict=True
    ):
        assert text == NAMES[slug]
    intro = page.locator("main .card p.muted").first.inner_text()
    assert NAMES["swiftpost"] in intro and "swiftpost" not in intro

    page.context.clear_cookies()
    log_in(page, web_world.login_of("swiftpost", "analyst"))
    page.goto("/dashboard")
    by = page.locator("[data-testid=held] td[data-label=By]")
    assert by.count() > 0 and set(by.all_inner_texts()) == {NAMES["customs-nl"]}
    page.goto("/sharing")
    partner = page.locator("td[data-label=With] strong, td[data-label=From] strong")
    assert partner.count() > 0
    assert set(partner.all_inner_texts()) <= set(NAMES.values())
    check_page(page, "review-carrier-sharing")


def test_several_currencies_stack_one_amount_a_line(page: Any, web_world: PreparedWorld) -> None:
    log_in(page, web_world.login("ipcrime", "investigator"))
    page.set_viewport_size(DESKTOP)
    page.goto("/dashboard?days=3650")
    amounts = page.locator("[data-stat=seized_value] .amount")
    assert amounts.count() >= 2, "the demo's seizures are valued in EUR and USD"
    boxes = amounts.evaluate_all(
        "as => as.map(a => { const r = a.getBoundingClientRect();"
        " return {left: Math.round(r.left), top: r.top, lines: a.getClientRects().length}; })"
    )
    assert all(b["lines"] == 1 for b in boxes), "an amount is broken over two lines"
    assert len({b["left"] for b in boxes}) == 1, "amounts line up one under the other"
    assert len({round(b["top"]) for b in boxes}) == len(boxes)
    assert "·" not in page.locator("[data-stat=seized_value]").inner_text()


def test_no_pickers_without_a_list_and_no_windows_over_nothing_dated(
    page: Any, web_world: PreparedWorld, live_app: Any
) -> None:
    log_in(page, web_world.login("carrier", "analyst"))  # no inspection list of its own
    page.goto("/queue")
    assert page.get_by_test_id("queue-filters").count() == 0
    assert "No inspection list" in page.locator("main").inner_text()

    # A brand that has just joined: no agreement, nothing dated (whatever other tests record).
    page.context.clear_cookies()
    log_in(page, _newcomer(live_app, "brand-review-newcomer", "Review Newcomer Brand Ltd"))
    page.goto("/dashboard")
    text = page.locator("main").inner_text()
    assert "Nothing dated" in text
    assert page.locator("nav[aria-label=Window]").count() == 0, "windows that change nothing"
    assert "in this window" not in text
    assert page.get_by_test_id("organisation").inner_text() == "Review Newcomer Brand Ltd"


def _newcomer(live_app: Any, slug: str, name: str) -> DemoLogin:
    """A brand organisation with one user and no sharing agreement, in the served store."""
    store = live_app.state.services.store
    store.ensure_organisation(slug, name, kind="brand")
    email, password = f"brand-user@{slug}.review.test", secrets.token_urlsafe(12)
    if email not in {u.email for u in store.users()}:
        store.create_user(
            organisation=slug, email=email, role="brand_user", password=password,
            display_name=f"{name} brand user",
        )  # fmt: skip
    else:
        store.set_password(email, password)
    return DemoLogin(slug, "brand", "brand_user", email, password)


def test_day_bars_fill_their_day_and_the_charts_follow_the_dark_scheme(
    page: Any, web_world: PreparedWorld, script_errors: list[str]
) -> None:
    log_in(page, web_world.login("carrier", "analyst"))
    page.set_viewport_size(DESKTOP)
    page.goto("/dashboard?days=30")
    chart = "#chart-carrier-days"
    page.wait_for_selector(f"{chart}.chart-ready svg")
    days = page.locator("[data-testid=carrier-days] tbody tr").count()
    widths = page.locator(f"{chart} svg .mark-rect path").evaluate_all(
        "ps => ps.map(p => p.getBoundingClientRect().width)"
    )
    plot = page.locator(f"{chart} svg").evaluate("s => s.getBoundingClientRect().width")
    assert days > 0 and widths
    assert min(widths) >= 0.5 * plot / (days + 2), f"bars {min(widths):.1f} px for {days} days"

    def grid_and_bar() -> list[str]:
        colours: list[str] = page.evaluate(
            """(chart) => {
              const first = (q) => getComputedStyle(document.querySelector(chart + ' ' + q));
              return [first('.role-axis-grid line').stroke, first('.mark-rect path').fill];
            }""",
            chart,
        )
        return colours

    light = grid_and_bar()
    page.emulate_media(color_scheme="dark")
    page.wait_for_function(
        f"() => document.querySelector('{chart}').dataset.scheme === 'dark'"
        f" && document.querySelector('{chart}').classList.contains('chart-ready')"
    )
    dark = grid_and_bar()
    border = page.evaluate(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--border').trim()"
    )
    assert dark[0] != light[0] and dark[1] != light[1], "redrawn in the dark scheme's colours"
    assert _rgb(dark[0]) == _rgb(border)
    check_page(page, "review-carrier-dashboard-dark")
    assert script_errors == []


def _rgb(colour: str) -> tuple[int, ...]:
    """'#2a3242' or 'rgb(42, 50, 66)' → (42, 50, 66)."""
    colour = colour.strip()
    if colour.startswith("#"):
        return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return tuple(int(part) for part in colour[colour.index("(") + 1 : -1].split(",")[:3])


_LABELS_FIT = """() => {
  const short = [];
  for (const td of document.querySelectorAll('table.data td[data-label]')) {
    const label = getComputedStyle(td, '::before');
    const probe = document.createElement('div');
    for (const p of ['width', 'font-size', 'font-weight', 'font-family', 'letter-spacing',
                     'text-transform', 'line-height']) probe.style.setProperty(p, label[p]);
    probe.style.position = 'absolute';
    probe.textContent = td.dataset.label;
    document.body.append(probe);
    const need = probe.getBoundingClientRect().height + parseFloat(getComputedStyle(td).paddingTop);
    probe.remove();
    const has = td.getBoundingClientRect().height;
    if (has + 0.5 < need) short.push(`${td.dataset.label}: ${has.toFixed(1)} of ${need} px`);
  }
  return short;
}"""


def test_a_phone_card_label_on_two_lines_never_runs_into_the_next(
    page: Any, web_world: PreparedWorld
) -> None:
    log_in(page, web_world.login("carrier", "analyst"))
    page.set_viewport_size(PHONE)
    page.goto("/sharing")  # "Only rows where" takes two lines beside "every row"
    assert page.locator("td[data-label='Only rows where']").count() > 0
    assert page.evaluate(_LABELS_FIT) == []


def test_seizures_not_shared_with_a_marketplace_say_so_instead_of_none(
    page: Any, web_world: PreparedWorld
) -> None:
    log_in(page, web_world.login_of("bazaar", "investigator"))
    page.goto("/dashboard")
    dashboard = api_json(page, "/dashboard")
    assert "seizures" in dashboard["not_shared"]  # the demo shares none with the marketplace
    page.goto("/seizures")
    twin = api_json(page, "/seizures")
    assert twin["shared"] is False and twin["items"] == []
    shown = page.get_by_test_id("seizures-not-shared").inner_text()
    assert "not shared with your organisation" in shown
    assert "No seizures to show" not in page.locator("main").inner_text()
    assert page.get_by_test_id("seizures-filters").count() == 0, "no search over nothing"

    page.context.clear_cookies()
    log_in(page, web_world.login_of("brand-lumina", "brand_user"))  # shared by customs
    page.goto("/seizures")
    assert api_json(page, "/seizures")["shared"] is True
    assert page.get_by_test_id("seizures-not-shared").count() == 0
    assert page.get_by_test_id("seizures-filters").count() == 1


_EMPTY_COLUMNS = """(testid) => {
  const table = document.querySelector(`[data-testid=${testid}]`);
  const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
  const rows = [...table.querySelectorAll('tbody tr')];
  return heads.filter((_, i) => rows.length && rows.every(
    r => ['—', ''].includes(r.children[i].textContent.trim())));
}"""


def test_record_tables_leave_out_columns_with_nothing_in_them(
    page: Any, web_world: PreparedWorld
) -> None:
    officer = web_world.login("customs", "officer")
    log_in(page, officer)
    shipment = web_world.queued[officer.organisation][0]
    page.goto(f"/shipments/{shipment}")
    page.locator("[data-testid=parties] a[href^='/entities/']").first.click()
    page.wait_for_url("**/entities/**")
    assert page.locator("[data-testid=mentions] tbody tr").count() > 0
    assert page.evaluate(_EMPTY_COLUMNS, "mentions") == []
    assert page.locator("[data-testid=mentions] th", has_text="Name").count() == 1

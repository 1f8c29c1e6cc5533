"""The network drawing in a browser: labels readable at 11 px, zoom and fit, expand and collapse
in place, filter by link kind, grouped shared addresses, a notice when the node cap leaves
entities out, and a PNG export; axe, phone overflow and screenshots."""

from __future__ import annotations

import struct
from types import SimpleNamespace
from typing import Any

from ringfence.web.graph import network_elements
from tests.web.helpers import api_json, check_page, log_in
from tests.worlds import PreparedWorld

CY = "document.querySelector('[data-network]')._cy"
MIN_LABEL_PX = 11
MAX_CANDIDATES = 16
MIN_APART_PX = 16  # the smallest node's width at zoom 1
LABEL_MAX_PX = 140  # a label's width on screen (network.js wraps at 132 px)
LONG_NAME = 28  # characters: wider than one line of a label at 11 px
PNG_MAX_PX = 3000  # network.js caps the exported drawing (a bigger canvas can crash the tab)


def _candidates(page: Any) -> list[str]:
    """Entities of the officer's queue shipments and of the watchlist, riskiest first."""
    found: list[str] = []
    for task in api_json(page, "/queue?status=all")["tasks"][:6]:
        shipment = api_json(page, f"/shipments/{task['shipment_id']}")
        found += [p["entity_id"] for p in shipment["parties"] if p.get("entity_id")]
    found += [i["entity_id"] for i in api_json(page, "/watchlist")["items"] if i.get("entity_id")]
    return list(dict.fromkeys(found))[:MAX_CANDIDATES]


def _profiles(page: Any, hops: int = 2) -> list[tuple[str, dict[str, Any]]]:
    return [(e, api_json(page, f"/entities/{e}?hops={hops}")) for e in _candidates(page)]


def _groups(entity_id: str, model: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [SimpleNamespace(**n) for n in model["nodes"]]
    edges = [SimpleNamespace(**e) for e in model["edges"]]
    seed = (model.get("seed_path") or {}).get("nearest_seed")
    return [g["data"] for g in network_elements(nodes, edges, entity_id, seed)["groups"]]


def cy_do(page: Any, statement: str) -> None:
    """Run a statement on the drawing (``cy``) and return nothing.

    Never hand a Cytoscape object back from ``page.evaluate``: Playwright serialises the
    returned value in the page, and a collection (``emit`` and most of Cytoscape's calls return
    one) reaches the whole drawing, 2.7 GB of garbage per call, which killed CI's renderer
    (a V8 out-of-memory; ``test_graph_memory.py``).
    """
    page.evaluate(f"() => {{ const cy = {CY}; {statement}; }}")


def _labels(page: Any) -> list[dict[str, Any]]:
    """Every visible node's label and its size on screen (font size × zoom)."""
    script = (
        "() => { const cy = CY; return cy.nodes(':visible').map(n => ({"
        " label: n.style('label'), px: parseFloat(n.style('font-size')) * cy.zoom() })); }"
    )
    found: list[dict[str, Any]] = page.evaluate(script.replace("CY", CY))
    return found


def _open_capped(page: Any, web_world: PreparedWorld) -> tuple[str, dict[str, Any]]:
    """Log in as the customs officer and open the drawing of the entity whose neighbourhood the
    node cap cuts most (most groups of shared addresses first); its id and JSON model."""
    log_in(page, web_world.login("customs", "officer"))
    capped = [(e, m) for e, m in _profiles(page) if m["left_out_nodes"]]
    assert capped, "the demo world has an entity whose neighbourhood exceeds the node cap"
    entity_id, model = max(capped, key=lambda p: (len(_groups(*p)), p[1]["left_out_nodes"]))
    page.goto(f"/entities/{entity_id}?hops=2")
    page.locator(".network.network-ready canvas").first.wait_for()
    return entity_id, model


def test_a_capped_network_says_so_and_can_be_explored_in_place(
    page: Any, web_world: PreparedWorld, script_errors: list[str]
) -> None:
    entity_id, model = _open_capped(page, web_world)
    notice = page.get_by_test_id("network-capped").inner_text()
    assert str(model["left_out_nodes"]) in notice and str(model["node_cap"]) in notice
    check_page(page, "entity-network")
    _assert_identifiers_match_mentions(page, model)

    # Labels: the key nodes always, every node once "All labels" is on, never under 11 px.
    key = page.evaluate(f"() => {CY}.nodes('[?focus], [?watchlisted], [?on_path]').length")
    labelled = [n for n in _labels(page) if n["label"]]
    assert len(labelled) >= key and all(n["px"] >= MIN_LABEL_PX - 0.01 for n in labelled)
    page.click("[data-network-action=labels]")
    every = _labels(page)
    assert every and all(n["label"] and n["px"] >= MIN_LABEL_PX - 0.01 for n in every)

    # Zoom and fit. check_page went to a phone's width and back, and the drawing refits after a
    # resize only once the window has kept its size for 150 ms: fit first to read the fitted zoom.
    page.click("[data-network-action=fit]")
    zoom = page.evaluate(f"() => {CY}.zoom()")
    page.click("[data-network-action=zoom-in]")
    assert page.evaluate(f"() => {CY}.zoom()") > zoom
    page.click("[data-network-action=fit]")
    assert abs(page.evaluate(f"() => {CY}.zoom()") - zoom) < 0.05
    assert all(n["px"] >= MIN_LABEL_PX - 0.01 for n in _labels(page) if n["label"])

    # Filter by link kind: unticking a kind hides its links, ticking it shows them again.
    kinds = page.locator("[data-link-kind]").evaluate_all("els => els.map(e => e.value)")
    assert len(kinds) > 1
    shown = f"() => {CY}.edges(':visible').filter(e => e.data('kind') === '{kinds[-1]}').length"
    assert page.evaluate(shown) > 0
    page.uncheck(f"[data-link-kind][value={kinds[-1]}]")
    assert page.evaluate(shown) == 0
    page.check(f"[data-link-kind][value={kinds[-1]}]")
    assert page.evaluate(shown) > 0

    # Groups of entities at one address: one node, unfolded in place by a click.
    groups = _groups(entity_id, model)
    drawn = page.evaluate(f"() => {CY}.nodes('[?group]').map(n => n.data('label'))")
    assert len(drawn) == len(groups)
    for group, label in zip(groups, drawn, strict=True):
        assert label.startswith(f"{len(group['members'])} entities")
    if groups:
        visible = f"() => {CY}.nodes(':visible').length"
        before, placed = page.evaluate(visible), _positions(page)
        cy_do(page, "cy.nodes('[?group]').first().emit('tap')")
        assert page.evaluate(visible) == before + len(groups[0]["members"])
        _assert_unmoved(placed, _positions(page), "unfolding a group")
        _assert_spread(page, groups[0]["members"])

    # Expand a node whose own links reach beyond the drawing in place (nothing drawn moves),
    # then collapse it again (the drawing is as it was).
    before = _positions(page)
    target = _expandable(page, model)
    cy_do(page, f"cy.getElementById('{target}').emit('tap')")
    page.click("[data-selected-expand]")
    page.wait_for_function(f"() => {CY}.getElementById('{target}').hasClass('expanded')")
    grown = _positions(page)
    added = sorted(set(grown) - set(before))
    assert added and "Added" in page.locator("[data-network-status]").inner_text()
    _assert_unmoved(before, grown, "expanding a node")
    _assert_spread(page, added)
    page.click("[data-selected-expand]")
    assert _positions(page) == before, "collapsing gives back the drawing as it was"

    assert script_errors == []


def test_long_names_wrap_and_the_drawing_exports_as_png(
    page: Any, web_world: PreparedWorld, script_errors: list[str]
) -> None:
    """Long names wrap and a node's full name is shown on hover and when selected; the PNG
    export stays within its size cap."""
    _open_capped(page, web_world)
    _assert_names_readable(page)
    assert script_errors == []
    # PNG export of the drawing, within the size cap.
    with page.expect_download() as download:
        page.get_by_test_id("network-png").click()
    assert download.value.suggested_filename.endswith(".png")
    with open(download.value.path(), "rb") as handle:
        head = handle.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])  # the IHDR chunk
    assert 0 < width <= PNG_MAX_PX and 0 < height <= PNG_MAX_PX, (width, height)


def _assert_identifiers_match_mentions(page: Any, model: dict[str, Any]) -> None:
    """Phones the reader sees under Mentions are listed as identifiers, never 'not shared'."""
    card = page.get_by_test_id("identifiers").inner_text()
    phones = {m["phone"] for m in model["mentions"] if m.get("phone")}
    if model["mentions"]:
        assert "Not shared with your organisation" not in card
    if "phones" not in model["entity"]:  # listed from the records shared with the reader
        assert all(phone in card for phone in phones), (card, phones)
    known = model["entity"].get("mention_count") or 0
    if model["mentions"] and known > len(model["mentions"]):
        note = page.get_by_test_id("mentions-shared").inner_text()
        assert f"{len(model['mentions'])} of the {known} records" in note


def _assert_names_readable(page: Any) -> None:
    """Long names wrap onto lines of at most ``LABEL_MAX_PX`` (never cut off with an ellipsis);
    hovering a node shows its full name, and selecting it names it in full beside the drawing."""
    script = (
        "() => { const cy = CY;"
        " const n = cy.nodes('[!group]:visible').max(x => x.data('label').length).ele;"
        " const box = n.boundingBox("
        "  {includeNodes: false, includeEdges: false, includeLabels: true});"
        " return {id: n.id(), name: n.data('label'), wrap: n.style('text-wrap'),"
        " width: box.w * cy.zoom(), height: box.h * cy.zoom()}; }"
    )
    # Below network.js's ALL_LABELS_ZOOM (0.45) a big drawing labels only its key nodes: zoom
    # in as a reader would; and measure a drawn node (a collapsed group hides its members).
    cy_do(page, "cy.zoom({level: Math.max(cy.zoom(), 0.6), renderedPosition: {x: 10, y: 10}})")
    longest = page.evaluate(script.replace("CY", CY))
    assert longest["wrap"] == "wrap", "labels wrap instead of ending in an ellipsis"
    assert longest["width"] <= LABEL_MAX_PX, longest
    if len(longest["name"]) > LONG_NAME:
        assert longest["height"] >= 2 * MIN_LABEL_PX, f"{longest['name']!r} is on one line"
    cy_do(page, f"cy.getElementById('{longest['id']}').emit('mouseover')")
    tip = page.locator(".network-tip")
    assert tip.is_visible() and longest["name"] in tip.inner_text()
    box, viewport = tip.bounding_box(), page.viewport_size
    assert box and viewport and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    cy_do(page, f"cy.getElementById('{longest['id']}').emit('mouseout')")
    assert not tip.is_visible()
    cy_do(page, f"cy.getElementById('{longest['id']}').emit('tap')")
    name = page.get_by_test_id("selected-name")
    assert name.inner_text() == longest["name"]
    panel = page.locator("[data-network-selected]").bounding_box()
    shown = name.bounding_box()
    assert panel and shown and shown["x"] + shown["width"] <= panel["x"] + panel["width"] + 1


def _positions(page: Any) -> dict[str, tuple[float, float]]:
    """Every drawn (visible) node's position (model coordinates, rounded to 0.1)."""
    script = (
        "() => Object.fromEntries(CY.nodes(':visible').map(n => "
        "[n.id(), [Math.round(n.position('x') * 10) / 10, Math.round(n.position('y') * 10) / 10]]))"
    )
    found: dict[str, list[float]] = page.evaluate(script.replace("CY", CY))
    return {k: (v[0], v[1]) for k, v in found.items()}


def _assert_unmoved(
    before: dict[str, tuple[float, float]], after: dict[str, tuple[float, float]], what: str
) -> None:
    moved = [k for k, at in before.items() if k in after and after[k] != at]
    assert not moved, f"{what} moved {len(moved)} of {len(before)} nodes already drawn"


def _assert_spread(page: Any, ids: list[str]) -> None:
    """The nodes are apart on screen (at least a node's width), not piled on one spot."""
    script = (
        "(ids) => { const cy = CY;"
        " const at = ids.map(i => cy.getElementById(i).renderedPosition());"
        " let least = Infinity; for (let i = 0; i < at.length; i++) for (let j = 0; j < i; j++)"
        " least = Math.min(least, Math.hypot(at[i].x - at[j].x, at[i].y - at[j].y));"
        " return least; }"
    )
    least = page.evaluate(script.replace("CY", CY), ids)
    assert least >= MIN_APART_PX * page.evaluate(f"() => Math.min(1, {CY}.zoom())"), least


def _expandable(page: Any, model: dict[str, Any]) -> str:
    """A drawn entity with a neighbour that is not drawn yet (asked from the JSON twin)."""
    drawn = {n["entity_id"] for n in model["nodes"]}
    for node in sorted(model["nodes"], key=lambda n: -n["hops"]):
        around = api_json(page, f"/entities/{node['entity_id']}?hops=1")
        if {n["entity_id"] for n in around["nodes"]} - drawn:
            return str(node["entity_id"])
    raise AssertionError("no drawn entity has a neighbour outside the drawing")


def test_deeper_networks_that_hit_the_cap_say_so(page: Any, web_world: PreparedWorld) -> None:
    log_in(page, web_world.login("customs", "officer"))
    entity_id, model = next((e, m) for e, m in _profiles(page, hops=2) if m["left_out_nodes"] > 0)
    for hops in (3, 4):
        page.goto(f"/entities/{entity_id}?hops={hops}")
        twin = api_json(page, f"/entities/{entity_id}?hops={hops}")
        assert twin["left_out_nodes"] >= model["left_out_nodes"]  # deeper reaches more
        assert len(twin["nodes"]) == twin["node_cap"]
        notice = page.get_by_test_id("network-capped").inner_text()
        assert f"{twin['left_out_nodes']:,}".replace(",", "\u202f") in notice
        assert f"within {hops} hops" in notice

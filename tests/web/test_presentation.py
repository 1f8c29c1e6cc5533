"""The UI's presentation helpers, without a browser: menu, network path, reason chips."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ringfence.service.views.entities import NetworkEdge, NetworkNode
from ringfence.web.graph import network_elements, path_to_seed
from ringfence.web.nav import home_for, nav_for
from ringfence.web.pages.auth import _safe_next
from ringfence.web.render import present_columns, reason_kind, reason_parts


@dataclass(frozen=True)
class Who:
    organisation_kind: str
    role: str | None


@pytest.mark.parametrize(
    ("kind", "role", "expected"),
    [
        (
            "customs",
            "officer",
            [
                "dashboard",
                "queue",
                "screen",
                "entities",
                "watchlist",
                "seizures",
                "cases",
                "alerts",
            ],
        ),
        (
            "customs",
            "analyst",
            [
                "dashboard",
                "queue",
                "screen",
                "entities",
                "watchlist",
                "seizures",
                "cases",
                "alerts",
                "ingest",
                "sharing",
            ],
        ),
        ("brand", "brand_user", ["dashboard", "seizures", "brand-portal", "cases"]),
        (
            "marketplace",
            "investigator",
            [
                "dashboard",
                "listings",
                "screen",
                "entities",
                "watchlist",
                "seizures",
                "cases",
                "alerts",
            ],
        ),
        (
            "carrier",
            None,
            [
                "dashboard",
                "queue",
                "screen",
                "entities",
                "watchlist",
                "seizures",
                "cases",
                "alerts",
                "ingest",
                "sharing",
            ],
        ),
        (
            "ipcrime",
            "admin",
            [
                "dashboard",
                "screen",
                "entities",
                "watchlist",
                "seizures",
                "cases",
                "alerts",
                "ingest",
                "sharing",
                "audit",
            ],
        ),
    ],
)
def test_the_menu_offers_what_the_organisation_and_role_can_use(
    kind: str, role: str | None, expected: list[str]
) -> None:
    assert [item.key for item in nav_for(Who(kind, role))] == expected


def test_officers_land_on_their_queue_and_everyone_else_on_the_dashboard() -> None:
    assert home_for(Who("customs", "officer")) == "/queue"
    assert home_for(Who("customs", "analyst")) == "/dashboard"
    assert home_for(Who("brand", "brand_user")) == "/dashboard"


def _tree() -> list[NetworkEdge]:
    # root → a → seed, root → b: the breadth-first tree the backend returns.
    return [
        NetworkEdge(source="root", target="a", kind="phone"),
        NetworkEdge(source="a", target="seed", kind="trade"),
        NetworkEdge(source="root", target="b", kind="email"),
    ]


def test_the_path_to_the_seed_follows_the_search_tree_back_to_the_entity() -> None:
    assert path_to_seed(_tree(), "root", "seed") == ["root", "a", "seed"]
    assert path_to_seed(_tree(), "root", "root") == ["root"]
    assert path_to_seed(_tree(), "root", "elsewhere") == []  # seed not drawn: nothing marked
    assert path_to_seed(_tree(), "root", None) == []


def test_network_elements_mark_only_the_path() -> None:
    nodes = [
        NetworkNode(entity_id=e, name=e.upper(), hops=h, watchlisted=e == "seed")
        for e, h in (("root", 0), ("a", 1), ("seed", 2), ("b", 1))
    ]
    drawn = network_elements(nodes, _tree(), "root", "seed")
    on_path = {n["data"]["id"] for n in drawn["nodes"] if n["data"]["on_path"]}
    assert on_path == {"root", "a", "seed"}
    edges = {e["data"]["id"]: e["data"]["on_path"] for e in drawn["edges"]}
    assert edges == {"root>a": True, "a>seed": True, "root>b": False}
    assert [n["data"]["focus"] for n in drawn["nodes"]] == [True, False, False, False]


def test_reason_chips_split_the_model_weight_and_pick_a_colour() -> None:
    assert reason_parts("unit value is 0.35x usual (+0.35)") == (
        "unit value is 0.35x usual",
        "+0.35",
    )
    assert reason_parts("rule 'undervalued': far below (z = -2.1)") == (
        "rule 'undervalued': far below (z = -2.1)",
        "",
    )
    assert reason_kind("rule 'undervalued': far below") == "rule"
    assert reason_kind("linked to a watchlisted seller") == "watchlist"


def test_columns_withheld_by_the_policy_are_left_out() -> None:
    columns = [("name", "Name", "text"), ("notes", "Notes", "text"), ("brand", "Brand", "text")]
    rows: list[dict[str, str | None]] = [{"name": "A", "brand": None}, {"name": "B"}]
    assert present_columns(rows, columns) == [columns[0], columns[2]]
    assert present_columns(rows, columns, with_value=True) == [columns[0]]


@pytest.mark.parametrize(
    ("asked", "followed"),
    [
        ("/queue?status=all", "/queue?status=all"),
        ("//evil.example/", None),
        ("/\\evil.example", None),
        ("https://evil.example/", None),
        ("", None),
        (None, None),
    ],
)
def test_login_only_returns_to_pages_of_this_site(asked: str | None, followed: str | None) -> None:
    assert _safe_next(asked) == followed

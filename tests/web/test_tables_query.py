"""The table mechanism without a browser: query-string state, filters, sort, CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from ringfence.errors import UserError
from ringfence.service.views.tablequery import TableQuery, apply, filter_sort, table_query
from ringfence.web.graph import GROUP_AT, shared_value_groups
from ringfence.web.tables import TableSpec, csv_response

COLUMNS = ("date", "brand", "value", "port")
ROWS = [
    {"id": "a", "date": "2025-01-03", "brand": "NorthPeak", "value": 300.0, "port": "AMS"},
    {"id": "b", "date": "2025-01-01", "brand": "Lumina", "value": None, "port": "RTM"},
    {"id": "c", "date": "2025-01-02", "brand": "northpeak", "value": 1200.0, "port": "AMS"},
    {"id": "d", "date": "2025-01-04", "brand": '=HYPERLINK("http://x")', "value": -5, "port": "@x"},
]


def test_state_is_read_from_the_query_string_and_unknown_parameters_are_ignored() -> None:
    query = table_query(
        {"sort": "-value", "brand": "north", "q": " ams ", "page": "2", "x": "1"}, COLUMNS
    )
    assert query == TableQuery(q="ams", sort="-value", filters={"brand": "north"}, page=2)


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"sort": "colour"}, "sort"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"brand": "x" * 201}, "brand"),
    ],
)
def test_bad_state_is_a_user_error_naming_the_parameter(params: dict[str, str], named: str) -> None:
    with pytest.raises(UserError, match=f"^{named}:"):
        table_query(params, COLUMNS)


def test_filters_are_case_insensitive_and_combine() -> None:
    kept = filter_sort(ROWS, TableQuery(filters={"brand": "NORTH", "port": "ams"}), COLUMNS)
    assert [r["id"] for r in kept] == ["a", "c"]
    assert [r["id"] for r in filter_sort(ROWS, TableQuery(q="rtm"), COLUMNS)] == ["b"]


def test_sorting_is_numeric_for_numbers_and_puts_blanks_last_both_ways() -> None:
    up = filter_sort(ROWS, TableQuery(sort="value"), COLUMNS)
    down = filter_sort(ROWS, TableQuery(sort="-value"), COLUMNS)
    assert [r["id"] for r in up] == ["d", "a", "c", "b"]
    assert [r["id"] for r in down] == ["c", "a", "d", "b"]


def test_apply_pages_the_matching_rows_and_echoes_the_state() -> None:
    items, paging, state = apply(ROWS, TableQuery(sort="date", page=2), COLUMNS, page_size=3)
    assert [r["id"] for r in items] == ["d"]
    assert (paging.total, paging.pages, state.matched, state.unfiltered) == (4, 2, 4, 4)
    _, _, narrowed = apply(ROWS, TableQuery(filters={"port": "nowhere"}), COLUMNS)
    assert narrowed.filtered and narrowed.matched == 0 and narrowed.unfiltered == 4


def test_the_csv_export_neutralises_formula_cells_and_keeps_numbers() -> None:
    spec = TableSpec(
        "seizures",
        [
            ("date", "Date", "date"),
            ("brand", "Brand", "text"),
            ("value", "Value", "money"),
            ("port", "Port", "text"),
        ],
    )
    response = csv_response(spec, ROWS)
    assert response.headers["content-disposition"] == 'attachment; filename="seizures.csv"'
    rows = list(csv.reader(io.StringIO(bytes(response.body).decode())))
    assert rows[0] == ["Date", "Brand", "Value", "Port"]
    assert rows[4] == ["2025-01-04", '\'=HYPERLINK("http://x")', "-5", "'@x"]
    assert rows[2][2] == ""  # no value is an empty cell, not "None"


class _Edge:
    def __init__(self, source: str, target: str, kind: str, value: str) -> None:
        self.source, self.target, self.kind, self.value = source, target, kind, value


def test_entities_at_one_address_are_grouped_but_not_those_with_links_of_their_own() -> None:
    address = "82 Kortrijksesteenweg, Liège"
    n = GROUP_AT + 2
    edges = [
        _Edge("root", f"m{i}", "address", address.upper() if i % 2 else address) for i in range(n)
    ]  # one address, however it is written
    edges += [_Edge("m0", "beyond", "trade", "")]  # m0 has links of its own: stays drawn
    edges += [_Edge("root", f"p{i}", "phone", "+31 20 123") for i in range(GROUP_AT - 1)]
    groups = shared_value_groups(edges, keep={f"m{n - 1}"})  # e.g. on the path to a seed
    assert [(g["kind"], sorted(g["members"])) for g in groups] == [
        ("address", [f"m{i}" for i in range(1, n - 1)])
    ]

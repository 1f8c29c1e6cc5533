"""The goods keys of issue 14's third pass (``route_hs6``, ``hs6_value``): the feature SQL and the
online twin's Python (``online_state.key_values``) must write the same key for every shipment,
or a served shipment would read another history than the batch path."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence.score.keys import GOODS_KEYS, VALUE_KEY_LIMIT
from ringfence.score.online_state import key_values

KEYS = ("route_hs6", "hs6_value")
COLUMNS = ("hs_code", "origin_country", "departure_country", "currency", "declared_value")


def _sql_keys(records: list[dict[str, Any]]) -> list[dict[str, str | None]]:
    con = duckdb.connect()
    try:
        con.execute(
            "CREATE TABLE shipments (hs_code VARCHAR, origin_country VARCHAR,"
            " departure_country VARCHAR, currency VARCHAR, declared_value DOUBLE)"
        )
        con.executemany(
            "INSERT INTO shipments VALUES (?, ?, ?, ?, ?)",
            [tuple(r[c] for c in COLUMNS) for r in records],
        )
        select = ", ".join(f"{GOODS_KEYS[k]} AS {k}" for k in KEYS)
        rows = con.execute(f"SELECT {select} FROM shipments s").fetchall()
    finally:
        con.close()
    return [dict(zip(KEYS, row, strict=True)) for row in rows]


def _python_keys(record: dict[str, Any]) -> dict[str, str | None]:
    keys = key_values(record)
    return {k: keys[k] for k in KEYS}


def test_known_keys() -> None:
    record = {
        "hs_code": "95030010", "origin_country": "CN", "departure_country": "HK",
        "currency": "KRW", "declared_value": 28930.0,
    }  # fmt: skip
    expected = {"route_hs6": "CN>HK|950300", "hs6_value": "950300|KRW|2893000"}
    assert _python_keys(record) == expected
    assert _sql_keys([record]) == [expected]


@pytest.mark.parametrize(
    "value",
    [0.0, 0.005, 0.015, 1.005, 19.99, 1234.565, 0.1 + 0.2, VALUE_KEY_LIMIT - 0.01,
     float(VALUE_KEY_LIMIT), 1e300, -0.01, None],
)  # fmt: skip
def test_value_key_edges(value: float | None) -> None:
    """Half cents round up in both; amounts out of range (negative, at or over the limit) and
    missing ones have no key in either."""
    record = {
        "hs_code": "610910", "origin_country": "TR", "departure_country": "TR",
        "currency": "EUR", "declared_value": value,
    }  # fmt: skip
    python, sql = _python_keys(record), _sql_keys([record])[0]
    assert python == sql
    in_range = value is not None and 0 <= value < VALUE_KEY_LIMIT
    assert (python["hs6_value"] is not None) == in_range
    if value is not None and in_range:
        assert python["hs6_value"] == f"610910|EUR|{math.floor(value * 100 + 0.5)}"


_text = st.one_of(st.none(), st.sampled_from(["CN", "HK", "KR", "US", "TR"]))
_records = st.fixed_dictionaries(
    {
        "hs_code": st.one_of(st.none(), st.from_regex(r"\A[0-9]{6,10}\Z")),
        "origin_country": _text,
        "departure_country": _text,
        "currency": st.one_of(st.none(), st.sampled_from(["KRW", "USD", "EUR"])),
        "declared_value": st.one_of(
            st.none(),
            st.floats(min_value=-10, max_value=2e13, allow_nan=False),
            st.integers(0, 10**6).map(lambda cents: cents / 100),
        ),
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_records, min_size=1, max_size=20))
def test_sql_and_online_keys_agree(records: list[dict[str, Any]]) -> None:
    assert _sql_keys(records) == [_python_keys(r) for r in records]


def test_missing_parts_give_no_key() -> None:
    record = {
        "hs_code": "610910", "origin_country": None, "departure_country": "TR",
        "currency": None, "declared_value": 10.0,
    }  # fmt: skip
    assert _python_keys(record) == {"route_hs6": None, "hs6_value": None}
    assert _sql_keys([record]) == [{"route_hs6": None, "hs6_value": None}]

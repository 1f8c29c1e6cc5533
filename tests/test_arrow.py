"""ringfence.arrow: joins that keep every row in place."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringfence.arrow import join_present


def test_a_row_with_nothing_to_join_is_null_not_gone() -> None:
    """The case pyarrow's own null-skipping join gets wrong: the middle row is all null."""
    left = pa.array(["x", None, "y"])
    right = pa.array(["q", None, None])
    assert join_present([left, right], "; ").to_pylist() == ["x; q", None, "y"]
    chunked = join_present([pa.chunked_array([left]), pa.chunked_array([right])], " ")
    assert chunked.to_pylist() == ["x q", None, "y"]


@given(st.integers(min_value=1, max_value=4).flatmap(
    lambda width: st.lists(st.lists(st.one_of(st.none(), st.text(max_size=3)),
                                    min_size=width, max_size=width), max_size=20)))  # fmt: skip
def test_each_row_joins_its_own_present_parts(rows: list[list[str | None]]) -> None:
    """Any rows: one result per row, the row's non-null parts in order, null when none."""
    width = len(rows[0]) if rows else 1
    parts = [pa.array([row[i] for row in rows], pa.string()) for i in range(width)]
    expected = ["|".join(v for v in row if v is not None) if any(v is not None for v in row)
                else None for row in rows]  # fmt: skip
    assert join_present(parts, "|").to_pylist() == expected


def test_no_parts_is_a_mistake() -> None:
    """Joining nothing has no length to keep."""
    with pytest.raises(ValueError):
        join_present([], " ")

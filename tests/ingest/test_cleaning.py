"""The vectorised shortcuts clean exactly as the value types do, value by value."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence.ingest.cleaning import clean_values
from ringfence.model import types

FAST_TYPES = ["text", "key", "name", "number", "count", "identifier"]
values = st.lists(st.one_of(
    st.none(),
    st.text(max_size=12),
    st.from_regex(r"[0-9]{1,17}(\.[0-9]{0,16})?", fullmatch=True),
    st.sampled_from(["", " ", "a  b", " a", "a ", "ABC123", "abc", "1,234.5", "-1", "1e5",
                     "12.0", "Ünïcode", "x" * 201, "!!", "A" * 65, "nan", "inf"]),
), max_size=30)


@settings(max_examples=200, deadline=None)
@given(raw=values, type_name=st.sampled_from(FAST_TYPES))
def test_shortcuts_agree_with_clean_column(raw: list[str | None], type_name: str) -> None:
    vtype = types.registry[type_name]
    column = pa.array(raw, pa.string())
    fast_values, fast_reasons = clean_values(vtype, column)
    slow_values, slow_reasons = vtype.clean_column(column)
    assert fast_values.to_pylist() == slow_values.to_pylist()
    assert fast_reasons.to_pylist() == slow_reasons.to_pylist()

"""Arrow compute helpers where pyarrow's own function does not keep rows in place.

``pc.binary_join_element_wise(..., null_handling="skip")`` drops a row whose parts are all
null instead of giving it an empty result (pyarrow 26; narwhals-dev/narwhals#3965), so every
later row's value lands one row early. Joins of optional parts go through ``join_present``.
"""

from __future__ import annotations

from functools import reduce

import pyarrow as pa
import pyarrow.compute as pc

_NULL_TEXT = pa.scalar(None, pa.string())


def join_present(
    parts: list[pa.Array] | list[pa.ChunkedArray], separator: str
) -> pa.Array | pa.ChunkedArray:
    """The non-null parts of each row joined by ``separator``; null where every part is null.

    One value per row, always: a row with nothing to join is null, never missing."""
    if not parts:
        raise ValueError("join_present needs at least one part")
    none = reduce(pc.and_, [pc.is_null(part) for part in parts])
    first = pc.if_else(none, pa.scalar("", pa.string()), parts[0])
    joined = pc.binary_join_element_wise(first, *parts[1:], separator, null_handling="skip")
    return pc.if_else(none, _NULL_TEXT, joined)

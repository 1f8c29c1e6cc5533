"""The feature query in stages (``staged.py``): its CTEs split by name, the date slices."""

from __future__ import annotations

import pyarrow as pa
import pytest

from ringfence.score.features import KEPT, feature_parts
from ringfence.score.staged import day_slices, split_ctes
from ringfence.settings import Settings
from ringfence.store.engine import open_engine


def test_split_ctes_names_every_cte_of_the_feature_query_in_order() -> None:
    ctes, _ = feature_parts(["fraud", "ipr"], None, network=True, rows="TRUE")
    split = split_ctes(ctes)
    names = list(split)
    assert names[:3] == ["ent", "ent_importer", "ent_declarant"]
    assert KEPT in split and "w_consignee" in split and len(names) > 60
    assert all(sql.startswith(f"{name} AS (") for name, sql in split.items())
    # Each item of the query's list is one or more whole CTEs, joined back exactly.
    assert ",\n".join(split.values()) == ",\n".join(c.rstrip() for c in ctes)
    # A CTE reads only those defined before it (the order the stages are stored in).
    seen: set[str] = set()
    for name, sql in split.items():
        body = sql.split(" AS (", 1)[1]
        later = {n for n in split if n not in seen and n != name and f" {n} " in f" {body} "}
        assert not later, (name, later)
        seen.add(name)


def test_split_ctes_refuses_a_name_twice() -> None:
    with pytest.raises(ValueError, match="twice"):
        split_ctes(["a AS (SELECT 1)", "a AS (SELECT 2)"])


@pytest.mark.parametrize(
    ("most_rows", "expected", "in_window"),
    [
        (1, [(1, 1), (2, 2), (4, 4), (7, 7)], [(4, 4), (7, 7)]),
        # day 2 alone is over the limit: a slice of its own
        (3, [(1, 1), (2, 2), (4, 7)], [(4, 7)]),
        (5, [(1, 2), (4, 7)], [(4, 7)]),
        (99, [(1, 7)], [(4, 7)]),
    ],
)
def test_day_slices_are_consecutive_and_within_the_limit(
    tmp_path, most_rows: int, expected: list, in_window: list
) -> None:
    engine = open_engine(Settings(data_dir=tmp_path))
    try:
        days = [1, 2, 2, 2, 2, 4, 7]
        engine.register_arrow("base", pa.table({"day": days, "x": list(range(len(days)))}))
        assert day_slices(engine, most_rows, "TRUE") == expected
        assert day_slices(engine, most_rows, "b.day > 3") == in_window
    finally:
        engine.close()

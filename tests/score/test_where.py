"""``FeatureQuery.where``: a condition that is one list of ids limits the query's own rows and is
not checked a second time around the whole query; any other condition still is."""

from __future__ import annotations

import datetime as dt

import pyarrow.compute as pc
import pytest

from ringfence.score.labelled import FeatureQuery, _one_list, ids_condition, prepare
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from tests.score.world import make_world, write_world


@pytest.mark.parametrize(
    ("condition", "whole"),
    [
        ("id IN (SELECT shipment_ref FROM outcomes WHERE shipment_ref IS NOT NULL)", True),
        ("id IN (SELECT x FROM (SELECT 1 AS x) t)", True),
        ("id IN ('a)', 'b''(c', ')')", True),  # parentheses and quotes inside literals
        ("id IN ('a') AND date > DATE '2024-01-01'", False),
        ("id IN ('a') OR TRUE", False),
        ("id IN ('a'", False),  # never closed
    ],
)
def test_one_list(condition: str, whole: bool) -> None:
    assert _one_list(condition) is whole


@pytest.fixture(scope="module")
def query_and_engine(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path_factory.mktemp("where"))
    shipments, outcomes = make_world(rows=300, days=30, seed=4)
    write_world(settings, shipments, outcomes)
    engine = open_engine(settings)
    query = prepare(settings, engine, None, oof=True)
    yield query, engine
    engine.close()


def _ids(table) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(table.column("id").to_pylist())


def test_id_list_checked_once_and_rows_exact(query_and_engine) -> None:  # type: ignore[no-untyped-def]
    query, engine = query_and_engine
    assert isinstance(query, FeatureQuery)
    everything = engine.query(query.sql)
    wanted = [*sorted(everything.column("id").to_pylist())[::7], "no-such-id", "x') OR ('1"]
    condition = ids_condition(wanted)
    sql = query.where(condition)
    assert sql.count(condition[len("id IN ("):]) == 1  # the list appears once
    rows = engine.query(sql)
    assert _ids(rows) == sorted(w for w in wanted if w.startswith("sh-"))
    expected = everything.filter(pc.is_in(everything.column("id"), rows.column("id")))
    assert expected.sort_by("id").equals(rows.sort_by("id"))


def test_compound_condition_still_checked_whole(query_and_engine) -> None:  # type: ignore[no-untyped-def]
    query, engine = query_and_engine
    everything = engine.query(query.sql)
    ids = sorted(everything.column("id").to_pylist())
    day = dt.date(2024, 1, 15)
    condition = ids_condition(ids) + f" AND date >= DATE '{day.isoformat()}'"
    rows = engine.query(query.where(condition))
    assert rows.num_rows > 0 and all(d >= day for d in rows.column("date").to_pylist())
    pairs = zip(
        everything.column("id").to_pylist(), everything.column("date").to_pylist(), strict=True
    )
    later = [i for i, d in pairs if d >= day]
    assert _ids(rows) == sorted(later)

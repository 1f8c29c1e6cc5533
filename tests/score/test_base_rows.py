"""The feature query's base rows (``base_rows.py``): each party key is the resolved entity of the
mention the shipment names in that role, whatever role the party record has, else the mention."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from ringfence.score.base_rows import base_sql, key_rows_sql
from ringfence.score.cte_hints import hint_ctes
from ringfence.score.keys import PARTY_KEYS
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from tests.score.world import feed_table

# Shipment 1 names p-a as importer and p-b as consignee; shipment 2 names p-a as consignee (its
# record says importer) and p-c, which resolution never saw, as importer; shipment 3 names no
# importer. p-a belongs to two entities (the smaller id wins); p-x is resolved but named by no
# shipment.
SHIPMENTS = [
    ("s-1", "p-a", "p-b", "p-b"),
    ("s-2", "p-c", "p-a", None),
    ("s-3", None, "p-x-unused", "p-a"),
]
MENTIONS = [("p-a", "e-2"), ("p-a", "e-1"), ("p-b", "e-b"), ("p-x", "e-x")]
EXPECTED = {  # id -> (importer key, consignee key, shipper key)
    "s-1": ("e-1", "e-b", "e-b"),
    "s-2": ("p-c", "e-1", None),
    "s-3": (None, "p-x-unused", "e-1"),
}


@pytest.fixture
def engine(tmp_path):
    settings = Settings(data_dir=tmp_path)
    engine = open_engine(settings)
    rows = len(SHIPMENTS)
    ids, importers, consignees, shippers = (list(c) for c in zip(*SHIPMENTS, strict=True))
    engine.register_arrow("shipments", feed_table("shipments", {
        "id": ids, "source_key": ids, "organisation": ["t"] * rows, "kind": ["declaration"] * rows,
        "date": [dt.date(2024, 1, 1 + i) for i in range(rows)], "importer_ref": importers,
        "consignee_ref": consignees, "shipper_ref": shippers, "currency": ["EUR"] * rows,
    }, rows))  # fmt: skip
    mention, entity = (list(c) for c in zip(*MENTIONS, strict=True))
    engine.register_arrow(
        "entity_mentions", pa.table({"mention_id": mention, "entity_id": entity})
    )
    engine.register_arrow("party_addresses", pa.table(
        {"mention_id": pa.array([], pa.string()), "address_key": pa.array([], pa.string())}
    ))  # fmt: skip
    engine.register_arrow("fx_rates", pa.table({
        "currency": pa.array([], pa.string()), "from_day": pa.array([], pa.int64()),
        "to_day": pa.array([], pa.int64()), "rate": pa.array([], pa.float64()),
    }))  # fmt: skip
    yield engine
    engine.close()


def _rows(engine, select: str) -> list[dict]:
    return engine.query(hint_ctes("WITH " + base_sql()) + "\n" + select).to_pylist()


def test_party_keys_are_the_entities_of_the_mentions_named_in_each_role(engine) -> None:
    got = {
        r["id"]: (r["k_importer"], r["k_consignee"], r["k_shipper"])
        for r in _rows(engine, "SELECT * FROM base")
    }
    assert got == EXPECTED


@pytest.mark.parametrize(("name", "at"), [("importer", 0), ("consignee", 1), ("shipper", 2)])
def test_key_rows_agree_with_the_base_rows(engine, name: str, at: int) -> None:
    rows = _rows(engine, f",\n{key_rows_sql(name)}\nSELECT id, k FROM bk_{name}")
    assert {r["id"]: r["k"] for r in rows} == {
        i: keys[at] for i, keys in EXPECTED.items() if keys[at] is not None
    }


def test_each_role_binds_only_the_mentions_it_names(engine) -> None:
    """Each role's entity map holds the resolved mentions that role names, nothing else (so no
    role's join holds every mention): p-x, named by no shipment, is in none."""
    resolved = {"p-a": "e-1", "p-b": "e-b", "p-x": "e-x"}
    named = {"importer": {"p-a"}, "consignee": {"p-b", "p-a"}, "shipper": {"p-b", "p-a"},
             "seller": set()}  # fmt: skip
    assert set(named) <= set(PARTY_KEYS)
    for name, mentions in named.items():
        rows = _rows(engine, f"SELECT mention_id, entity_id FROM ent_{name}")
        assert {r["mention_id"]: r["entity_id"] for r in rows} == {
            m: resolved[m] for m in mentions
        }, name

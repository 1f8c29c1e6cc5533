"""The ids the finishing SQL computes are exactly ``make_id``'s."""

from __future__ import annotations

from ringfence.ingest.staging import make_id_sql, sql_text
from ringfence.model.records import make_id
from ringfence.settings import Settings
from ringfence.store.engine import open_engine


def test_sql_ids_equal_make_id(ingest_settings: Settings) -> None:
    engine = open_engine(ingest_settings)
    try:
        for org, feed, key in [("acme", "shipments", "S1"), ("o'brien", "parties", "seller:Ü 1"),
                               ("kcs-customs", "outcomes", "123:ipr")]:
            sql = f"SELECT {make_id_sql(org, feed, sql_text(key))}"
            assert engine.scalar(sql) == make_id(org, feed, key)
        assert engine.scalar(f"SELECT {make_id_sql('a', 'parties', 'NULL')}") is None
    finally:
        engine.close()

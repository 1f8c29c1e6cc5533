"""The ``entities`` query: one row per entity, most common values, sorted distinct lists."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ringfence.resolve.pipeline import ENTITIES_SQL


def test_entities_query_picks_the_most_common_and_lists_distinct_sorted_values() -> None:
    parties = pa.table(
        {
            "id": ["m1", "m2", "m3", "m4", "m5", "m6"],
            "schema_": ["Company", "Company", "Person", "Person", "Person", "Organization"],
            "name": ["Beta Ltd", "Alpha Ltd", "Alpha Ltd", "Zed", "Abe", None],
            "country": ["GB", "GB", None, "DE", "FR", None],
            "phone": ["+442", "+441", "+442", None, None, None],
            "email": [None, None, None, None, None, None],
            "identifier": ["X1", None, "X1", None, None, None],
            "bank_account": [None, None, None, None, None, None],
            "street": ["1 High St", "1 High St", None, None, None, None],
            "postcode": ["N1", "N1", "N1", None, None, None],
        }
    )
    mentions = pa.table(
        {
            "mention_id": ["m1", "m2", "m3", "m4", "m5", "m6"],
            "entity_id": ["e1", "e1", "e1", "e2", "e2", "e3"],
            "organisation": ["b", "a", "b", "c", "c", "d"],
            "role": ["seller", "seller", "watchlist", "other", "other", "other"],
        }
    )
    con = duckdb.connect()
    con.register("parties", parties)
    con.register("entity_mentions", mentions)
    rows = {row["entity_id"]: row for row in con.sql(ENTITIES_SQL).to_arrow_table().to_pylist()}
    assert list(rows) == ["e1", "e2", "e3"]
    e1, e2, e3 = rows["e1"], rows["e2"], rows["e3"]
    assert (e1["name"], e1["country"], e1["schema"]) == ("Alpha Ltd", "GB", "Company")
    assert e1["phones"] == ["+441", "+442"] and e1["identifiers"] == ["X1"]
    assert e1["addresses"] == ["1 High St | N1"] and e1["emails"] is None
    assert (e1["mention_count"], e1["organisations"], e1["watchlisted"]) == (3, ["a", "b"], True)
    assert (e2["name"], e2["country"]) == ("Abe", "DE")  # ties: alphabetically first
    assert e2["phones"] is None and not e2["watchlisted"]
    assert (e3["name"], e3["country"], e3["schema"]) == (None, None, "Organization")

"""Screening before any resolution: every party mention in the lake as its own entity.

A watchlist just ingested (``ringfence ingest parties watchlist.csv --role watchlist``) can be
screened at once, with no ``ringfence resolve``: the index is built from the ``parties`` dataset
directly, one "entity" per mention, with the mention id as ``entity_id`` and the columns
``pipeline.ENTITIES_SQL`` would give (its lists of phones, e-mails, ... hold one value each).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ringfence.settings import Settings
from ringfence.store.lake import Lake

PARTIES_AS_ENTITIES_SQL = """
SELECT id AS entity_id, schema_ AS schema, name, country,
       list_filter([phone], x -> x IS NOT NULL) AS phones,
       list_filter([email], x -> x IS NOT NULL) AS emails,
       list_filter([identifier], x -> x IS NOT NULL) AS identifiers,
       list_filter([bank_account], x -> x IS NOT NULL) AS bank_accounts,
       list_filter([CASE WHEN street IS NOT NULL AND postcode IS NOT NULL
                         THEN street || ' | ' || postcode END], x -> x IS NOT NULL) AS addresses,
       1 AS mention_count, [organisation] AS organisations,
       coalesce(role = 'watchlist', false) AS watchlisted
FROM read_parquet(?, union_by_name = true)
ORDER BY id
"""


def entities_from_parties(settings: Settings) -> pa.Table | None:
    """The ``parties`` mentions shaped like ``entities`` rows, or None when there are none."""
    parts = Lake(settings).parts("parties")
    if not parts:
        return None
    with duckdb.connect() as con:
        table = con.execute(PARTIES_AS_ENTITIES_SQL, [[str(p) for p in parts]]).fetch_arrow_table()
    return table if table.num_rows else None

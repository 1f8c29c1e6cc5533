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
       CASE WHEN phone IS NULL THEN []::VARCHAR[] ELSE [phone] END AS phones,
       CASE WHEN email IS NULL THEN []::VARCHAR[] ELSE [email] END AS emails,
       CASE WHEN identifier IS NULL THEN []::VARCHAR[] ELSE [identifier] END AS identifiers,
       CASE WHEN bank_account IS NULL THEN []::VARCHAR[] ELSE [bank_account] END
           AS bank_accounts,
       CASE WHEN street IS NULL OR postcode IS NULL THEN []::VARCHAR[]
            ELSE [street || ' | ' || postcode] END AS addresses,
       1 AS mention_count, [organisation] AS organisations,
       coalesce(role = 'watchlist', false) AS watchlisted
FROM read_parquet({files}, union_by_name = true)
ORDER BY id
"""


def entities_from_parties(settings: Settings) -> pa.Table | None:
    """The ``parties`` mentions shaped like ``entities`` rows, or None when there are none."""
    parts = Lake(settings).parts("parties")
    if not parts:
        return None
    with duckdb.connect() as con:
        files = "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in parts) + "]"
        table: pa.Table = con.sql(PARTIES_AS_ENTITIES_SQL.format(files=files)).to_arrow_table()
    return table if table.num_rows else None

"""Confirmed links: pairs of party mentions a partner has confirmed are one party.

A marketplace bans a seller account and puts it on its watchlist; the entry names the account
it confirms (``seller_account``, a reference into the same organisation's ``sellers`` feed).
The entry and the account are then one party, whatever their names say: the pair of their
party mentions is a labelled match. Resolution learns m from these labels and keeps every
confirmed pair in one entity (docs/resolution.md).
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.ingest.plan import SELF_PARTY_ROLES
from ringfence.model.records.base import make_id
from ringfence.store.engine import Engine
from ringfence.store.lake import Lake

LABEL_COLUMNS = ["unique_id_l", "unique_id_r"]

# The watchlist entries naming a seller account, with where both records come from.
CONFIRMED_SQL = """
SELECT w.organisation AS entry_organisation, w.source_key AS entry_key,
       s.organisation AS seller_organisation, s.source_key AS seller_key
FROM watchlist AS w JOIN sellers AS s ON s.id = w.seller_account_ref
"""


# Pairs of party mentions a source says are records of one party (an FtM entity's aliases):
# each key may name a parties row or the party mention of a watchlist entry or seller account.
SAME_PARTY_SQL = """
WITH l AS (SELECT organisation, party, other_party FROM party_links WHERE kind = 'same_as')
SELECT a.id AS unique_id_l, b.id AS unique_id_r
FROM l
JOIN parties AS a ON a.organisation = l.organisation
 AND a.source_key IN (l.party, 'watchlist:' || l.party, 'seller:' || l.party)
JOIN parties AS b ON b.organisation = l.organisation
 AND b.source_key IN (l.other_party, 'watchlist:' || l.other_party, 'seller:' || l.other_party)
"""


def same_party_links(
    lake: Lake, engine: Engine, mention_ids: pa.Array | pa.ChunkedArray
) -> pd.DataFrame:
    """``unique_id_l``/``unique_id_r`` pairs of mentions a source says are one party.

    They come from ``same_as`` party links (the further rows an FtM entity's aliases and extra
    contacts became). They keep their mentions in one entity but do not train the model: the
    rows share the entity, not their values.
    """
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in LABEL_COLUMNS})
    if not (lake.register(engine, "party_links") and lake.register(engine, "parties")):
        return empty
    pairs = engine.query(SAME_PARTY_SQL).to_pandas().astype(object)
    return _present(pairs, mention_ids) if len(pairs) else empty


def _present(pairs: pd.DataFrame, mention_ids: pa.Array | pa.ChunkedArray) -> pd.DataFrame:
    """The pairs whose two mentions are both among ``mention_ids``."""
    known = pa.chunked_array([mention_ids]).combine_chunks()
    present = pc.and_(
        pc.is_in(pa.array(pairs["unique_id_l"], pa.string()), value_set=known),
        pc.is_in(pa.array(pairs["unique_id_r"], pa.string()), value_set=known),
    ).to_numpy(zero_copy_only=False)
    return pairs[present].drop_duplicates().reset_index(drop=True)


def confirmed_links(
    lake: Lake, engine: Engine, mention_ids: pa.Array | pa.ChunkedArray
) -> pd.DataFrame:
    """``unique_id_l``/``unique_id_r`` pairs of party mentions confirmed to be one party.

    Only pairs whose two mentions are both among ``mention_ids`` (the mentions being
    resolved); empty when no watchlist entry names a seller account.
    """
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in LABEL_COLUMNS})
    if not (lake.register(engine, "watchlist") and lake.register(engine, "sellers")):
        return empty
    columns = engine.query("SELECT * FROM watchlist LIMIT 0").column_names
    if "seller_account_ref" not in columns:  # a lake ingested before the field existed
        return empty
    rows = engine.query(CONFIRMED_SQL).to_pylist()
    entry_role, seller_role = SELF_PARTY_ROLES["watchlist"], SELF_PARTY_ROLES["sellers"]
    # Each record of these feeds is also a party mention, keyed "<role>:<its source key>".
    pairs = pd.DataFrame(
        {
            "unique_id_l": [
                make_id(r["entry_organisation"], "parties", f"{entry_role}:{r['entry_key']}")
                for r in rows
            ],
            "unique_id_r": [
                make_id(r["seller_organisation"], "parties", f"{seller_role}:{r['seller_key']}")
                for r in rows
            ],
        },
        dtype=object,
    )
    if pairs.empty:
        return empty
    return _present(pairs, mention_ids)

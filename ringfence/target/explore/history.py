"""Aimed exploration for ``ringfence target``: how many labels the lake holds of each arriving
shipment's shipper, route and goods, and the sizes that follow (``aim.aimed_sizes``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from ringfence.store.engine import Engine
from ringfence.target.explore.aim import aimed_sizes

# The keys as SQL over ``shipments`` (the same as ``replay.key_codes``).
KEY_SQL = {
    "shipper": "coalesce(shipper_ref, '')",
    "route": "coalesce(origin_country, '?') || '>' || coalesce(departure_country, '?')",
    "goods": "coalesce(substr(hs_code, 1, 6), '')",
}
ARRIVAL_KEYS = ", ".join(f"{sql} AS k_{name}" for name, sql in KEY_SQL.items())


def labelled_keys(engine: Engine, day: dt.date) -> pa.Table:
    """The keys of every shipment with an outcome dated (else shipped) before ``day``, one row
    per shipment; the engine must have ``shipments`` and ``outcomes`` registered."""
    return engine.query(
        f"SELECT {ARRIVAL_KEYS} FROM shipments WHERE id IN (SELECT o.shipment_ref FROM outcomes o "
        "JOIN shipments b ON b.id = o.shipment_ref "
        f"WHERE coalesce(o.date, b.date) < DATE '{day.isoformat()}')"
    )


def arrival_sizes(arrivals: pa.Table, labelled: pa.Table, probability: np.ndarray) -> np.ndarray:
    """Aimed sizes of the arrivals (their ``k_*`` key columns) given the labelled shipments'
    keys and the model's probabilities."""
    keys = []
    for name in KEY_SQL:
        column = f"k_{name}"
        seen = pd.Series(labelled.column(column).to_pylist(), dtype=object).value_counts()
        values = pd.Series(arrivals.column(column).to_pylist(), dtype=object)
        codes, _ = pd.factorize(values, use_na_sentinel=False)
        keys.append((codes, values.map(seen).fillna(0).to_numpy(dtype=float)))
    return aimed_sizes(keys, probability)

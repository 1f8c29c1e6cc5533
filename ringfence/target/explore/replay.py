"""What the learning-loop replay (``target/operations.py``) needs to aim exploration and to see
whether a new ring was found: key codes per shipment, the day's aimed sizes, detection figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.target.explore.aim import FLOOR, aimed_sizes

EPOCH = dt.date(1970, 1, 1)
KEYS = ("shipper", "route", "goods")


def _codes(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    codes, _ = pd.factorize(pd.Series(values.to_pylist(), dtype=object), use_na_sentinel=False)
    return np.asarray(codes, dtype=np.int64)


def key_codes(shipments: pa.Table) -> dict[str, np.ndarray]:
    """Per shipment, an integer code for each key: the shipper (its party reference), the
    route (origin and departure country) and the goods (the HS code's first six digits)."""
    route = pc.binary_join_element_wise(
        pc.fill_null(shipments.column("origin_country"), "?"),
        pc.fill_null(shipments.column("departure_country"), "?"),
        ">",
    )
    goods = pc.utf8_slice_codeunits(pc.fill_null(shipments.column("hs_code"), ""), 0, 6)
    return {
        "shipper": _codes(shipments.column("shipper_ref")),
        "route": _codes(route),
        "goods": _codes(goods),
    }


def day_sizes(
    codes: dict[str, np.ndarray],
    labelled: np.ndarray,
    today: np.ndarray,
    probability: np.ndarray,
    floor: float = FLOOR,
) -> np.ndarray:
    """Aimed sizes of the shipments ``today`` (world rows), given the rows already labelled
    and the day's model probabilities (``aim.aimed_sizes``)."""
    keys = []
    for name in KEYS:
        code = codes[name]
        seen = np.bincount(code[labelled], minlength=int(code.max()) + 1)
        keys.append((code[today], seen[code[today]]))
    return aimed_sizes(keys, probability, floor)


def detection(
    ring: np.ndarray,
    days: np.ndarray,
    labels: dict[int, tuple[bool, float, int]],
    scenario: dict[str, Any],
    last_day: int,
) -> dict[str, Any]:
    """How an arm fared against the scenario's new ring: its parcels up to ``last_day``, how
    many the arm inspected and seized, and the days and weeks from its first day to the first
    seizure (None when never seized within the replay)."""
    ring_id, first = scenario["ring_id"], int(scenario["first_day"])
    mine = (ring == ring_id) & (days <= last_day)
    rows = [r for r in labels if mine[r]]
    seized = sorted(labels[r][2] for r in rows if labels[r][0])
    wait = seized[0] - first if seized else None
    return {
        "ring_id": ring_id,
        "first_day": (EPOCH + dt.timedelta(days=first)).isoformat(),
        "parcels": int(mine.sum()),
        "inspected": len(rows),
        "seizures": len(seized),
        "first_seizure": None
        if wait is None
        else (EPOCH + dt.timedelta(days=seized[0])).isoformat(),
        "days_to_detection": wait,
        "weeks_to_detection": None if wait is None else round(wait / 7, 1),
        "days_observed": last_day - first + 1,
    }

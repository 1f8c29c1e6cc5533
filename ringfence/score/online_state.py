"""Precomputed history for scoring one shipment at a time, equal to the SQL features.

``features.py`` computes every shipment's history with window functions over the whole lake; that
takes seconds, far too long per request. Here the same per-key, per-day aggregates (``g_<key>``,
``gday`` and ``gu`` in the feature SQL) are read once and kept as sorted arrays with running
totals, so "everything before day d" for any key is one hash lookup and one binary search. The
feature formulas below mirror ``features._select_sql`` line by line; ``tests/score/test_online.py``
checks both give the same values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ringfence.score import deciles
from ringfence.score import features as features_module
from ringfence.score import history as history_module
from ringfence.score.base_rows import key_rows_sql
from ringfence.score.consignees import FEATURE as CONSIGNEES_AT_ADDRESS
from ringfence.score.consignees import consignee_address_sql
from ringfence.score.currency import Rates
from ringfence.score.features import (
    _base_sql,
    watchlist_sql,
)
from ringfence.score.history import (
    history_sql,
    label_sums,
    labels_sql,
    prior_sql,
    rate_pairs,
)
from ringfence.score.keys import HISTORY_KEYS, PARTY_KEYS, VALUE_KEY_LIMIT
from ringfence.score.network_risk import NetworkSnapshots
from ringfence.score.unit_value import MIN_LOG_VARIANCE, MIN_PRICE_HISTORY, unit_value_sql
from ringfence.store.engine import Engine

# Python versions of the key expressions in ``keys.HISTORY_KEYS``.
_PARTY_FIELDS = {name: f"{name}_ref" for name in PARTY_KEYS}


def key_values(
    record: Mapping[str, Any], entities: Mapping[str, str] | None = None
) -> dict[str, str | None]:
    """Each history key of a shipment, as ``features._base_sql`` computes it: party keys are
    the mentions' resolved entities where ``entities`` maps them."""
    hs = record.get("hs_code")
    hs6, hs2 = (hs[:6], hs[:2]) if hs else (None, None)
    origin, importer = record.get("origin_country"), record.get("importer_ref")
    departure, port = record.get("departure_country"), record.get("port")
    keys: dict[str, str | None] = {}
    for name, field_name in _PARTY_FIELDS.items():
        mention = record.get(field_name)
        keys[name] = (
            mention if mention is None or entities is None else entities.get(mention, mention)
        )
    route = None if origin is None or departure is None else f"{origin}>{departure}"
    keys.update(
        hs6=hs6,
        hs2=hs2,
        origin=origin,
        departure=departure,
        route=route,
        port=port,
        origin_hs6=_pair(origin, hs6),
        route_hs6=_pair(route, hs6),
        hs6_value=_pair(_pair(hs6, record.get("currency")), _cents(record.get("declared_value"))),
        importer_hs6=_pair(importer, hs6),
        declarant_importer=_pair(record.get("declarant_ref"), importer),
        seller_importer=_pair(record.get("seller_ref"), importer),
        port_importer=_pair(port, importer),
        port_hs6=_pair(port, hs6),
    )
    assert set(HISTORY_KEYS) <= set(keys)
    return {name: keys[name] for name in HISTORY_KEYS}


def _cents(value: Any) -> str | None:
    """A declared amount as whole cents, as the SQL of ``hs6_value`` writes it."""
    if value is None or not 0 <= value < VALUE_KEY_LIMIT:
        return None
    return str(math.floor(value * 100 + 0.5))


def _pair(a: str | None, b: str | None) -> str | None:
    """Two keys as one, null when either is (SQL's ``a || '|' || b``)."""
    return None if a is None or b is None else f"{a}|{b}"


@dataclass
class History:
    """Per key: its days in order and running totals of each counter (over all keys' rows)."""

    index: pd.Index
    starts: np.ndarray  # row where each key's days begin; one extra entry at the end
    days: np.ndarray
    totals: dict[str, np.ndarray]  # running sum over the sorted rows, with a leading 0
    kept: dict[str, np.ndarray] = field(default_factory=dict)  # columns as they are, per row

    @classmethod
    def from_table(
        cls, table: pa.Table, counters: list[str], keep: list[str] | None = None
    ) -> History:
        """From rows (k, day, counters...) sorted by key then day; ``keep``: other columns
        held per row as they are (``kept``)."""
        keys = table.column("k").to_pandas()
        change = np.flatnonzero(np.r_[True, keys.to_numpy()[1:] != keys.to_numpy()[:-1]])
        rows = table.num_rows
        starts = np.r_[change, rows] if rows else np.zeros(1, dtype=np.int64)
        totals = {}
        for name in counters:
            values = table.column(name).to_numpy(zero_copy_only=False).astype(float)
            totals[name] = np.r_[0.0, np.cumsum(np.nan_to_num(values))]
        index = pd.Index(keys.to_numpy()[change] if rows else [])
        days = table.column("day").to_numpy(zero_copy_only=False).astype(np.int64)
        kept = {c: table.column(c).to_numpy(zero_copy_only=False) for c in keep or []}
        return cls(index, starts.astype(np.int64), days, totals, kept)

    def span(self, key: str | None) -> tuple[int, int] | None:
        """The rows of ``key``, or None if it was never seen."""
        if key is None:
            return None
        try:
            loc = int(self.index.get_loc(key))
        except KeyError:
            return None
        return int(self.starts[loc]), int(self.starts[loc + 1])

    def before(self, span: tuple[int, int] | None, day: int, counter: str) -> float:
        """Sum of ``counter`` over the key's days strictly before ``day`` (0 if none)."""
        if span is None:
            return 0.0
        start, end = span
        stop = start + int(np.searchsorted(self.days[start:end], day, side="left"))
        total = self.totals[counter]
        return float(total[stop] - total[start])

    def first_day(self, span: tuple[int, int] | None) -> int | None:
        """The key's first day."""
        return None if span is None else int(self.days[span[0]])


class Timeline:
    """Running totals over days (no key): the global label prior."""

    def __init__(self, table: pa.Table, counters: list[str]) -> None:
        self.days = table.column("day").to_numpy(zero_copy_only=False).astype(np.int64)
        self.totals = {
            c: np.r_[0.0, np.cumsum(np.nan_to_num(table.column(c).to_numpy(zero_copy_only=False)))]
            for c in counters
        }

    def before(self, day: int, counter: str) -> float:
        """Sum of ``counter`` over days strictly before ``day``."""
        return float(self.totals[counter][int(np.searchsorted(self.days, day, side="left"))])


@dataclass
class FeatureState:
    """Everything the history features need, as of the lake when it was loaded."""

    labels: list[str]
    keys: dict[str, History]
    prior: Timeline
    unit: History
    entities: dict[str, str]  # party mention -> resolved entity
    watchlisted: dict[str, int]  # entity (or mention) -> first day known to be watchlisted
    addresses: dict[str, str]  # consignee mention -> cleaned address
    consignees: History  # per address: +1/-1 ends of consignees' 30-day spans (consignees.py)
    rates: Rates  # exchange-rate intervals to the base currency (currency.py)
    network: NetworkSnapshots | None = None  # dated network seeds, when the network was built
    prior_weight: float = field(default_factory=lambda: history_module.PRIOR_WEIGHT)
    # Entity counts and top-decile thresholds (per key and rate suffix), as the feature query
    # had them when the state was loaded (``features.SHIPMENT_COUNTS`` / ``TOP_DECILES``).
    counts: bool = False
    thresholds: dict[tuple[str, str], deciles.Thresholds] | None = None

    @classmethod
    def load(
        cls,
        engine: Engine,
        labels: list[str],
        network: NetworkSnapshots | None = None,
        prior_weight: float | None = None,
    ) -> FeatureState:
        """Read the per-key, per-day aggregates from the engine's ``shipments`` and
        ``outcomes`` (no label cut-off: everything the lake knows); ``network`` snapshots
        (``network_risk.load_snapshots``) add the party network risk; ``prior_weight`` is the
        model's profile smoothing (default ``history.PRIOR_WEIGHT``)."""
        counters = ["n_any", *label_sums(labels, "")]
        head = f"WITH {_base_sql()},\n{labels_sql(labels, None)}"
        keys = {}
        for name in HISTORY_KEYS:
            history = history_sql(name, labels, name in PARTY_KEYS)
            sql = f"{head},\n{key_rows_sql(name)},\n{history}\n"
            sql += f"SELECT k, day, ships, {', '.join(counters)} FROM g_{name} ORDER BY k, day"
            keys[name] = History.from_table(engine.query(sql), ["ships", *counters])
        prior_query = f"{head},\n{prior_sql(labels)}\nSELECT * FROM gday ORDER BY day"
        prior = Timeline(engine.query(prior_query), counters)
        unit_sql = f"{head},\n{unit_value_sql()}\nSELECT k, day, c, s, s2, c0 FROM gu"
        unit_sql += " ORDER BY k, day"
        unit = History.from_table(engine.query(unit_sql), ["c", "s", "s2"], keep=["c0"])
        entity_sql = "SELECT mention_id, min(entity_id) FROM entity_mentions GROUP BY 1"
        entities = dict(engine.query(entity_sql).to_pandas().itertuples(index=False, name=None))
        watch_sql = f"WITH {_base_sql()},\n{watchlist_sql()}\nSELECT k, wday FROM wl"
        watch = engine.query(watch_sql).to_pandas()
        watchlisted = {
            str(k): int(d) for k, d in watch.itertuples(index=False, name=None) if pd.notna(d)
        }
        address_sql = "SELECT mention_id, min(address_key) FROM party_addresses GROUP BY 1"
        addresses = dict(engine.query(address_sql).to_pandas().itertuples(index=False, name=None))
        spans_sql = f"WITH {_base_sql()},\n{consignee_address_sql()}\n"
        spans_sql += "SELECT a AS k, day, d FROM ca_g ORDER BY k, day"
        consignees = History.from_table(engine.query(spans_sql), ["d"])
        rates = Rates.load(engine)
        weight = history_module.PRIOR_WEIGHT if prior_weight is None else float(prior_weight)
        thresholds = _thresholds(engine, head, labels) if features_module.TOP_DECILES else None
        return cls(
            labels, keys, prior, unit, entities, watchlisted, addresses, consignees, rates,
            network, weight, features_module.SHIPMENT_COUNTS, thresholds,
        )  # fmt: skip

    def features(self, record: Mapping[str, Any], day: int) -> dict[str, Any]:
        """The SQL features of one shipment dated ``day`` (days since 1970), and the
        ``<role>_network_path`` texts when there is a network."""
        currency = record.get("currency")
        keys = key_values(record, self.entities)  # hs6_value: the amount as declared
        record = {  # money in the base currency, as ``features._base_sql``
            **record,
            **{c: self.rates.convert(record.get(c), currency, day)
               for c in ("declared_value", "value_at_stake")},
        }  # fmt: skip
        out: dict[str, Any] = _amount_features(record)
        out["value_at_stake"] = record["value_at_stake"]
        out["declared_value"] = record["declared_value"]
        out.update(self._unit_value(out["log_unit_value"], keys["hs6"], day))
        out.update(_route(record))
        address = self.addresses.get(record.get("consignee_ref") or "")
        out[CONSIGNEES_AT_ADDRESS] = (
            None if address is None
            else self.consignees.before(self.consignees.span(address), day + 1, "d")
        )  # fmt: skip
        pairs = rate_pairs(self.labels)
        prior = {
            pos: (self.prior.before(day, pos) + 0.02) / (self.prior.before(day, n) + 1.0)
            for _, pos, n in pairs
        }
        weight = self.prior_weight
        for name, key in keys.items():
            history = self.keys[name]
            span = history.span(key)
            for suffix, pos, n in pairs:
                hp, hn = history.before(span, day, pos), history.before(span, day, n)
                out[f"{name}_rate{suffix}"] = (hp + weight * prior[pos]) / (hn + weight)
                out[f"{name}_positives{suffix}"] = hp
            out[f"{name}_inspections"] = history.before(span, day, "n_any")
            if self.counts and name not in PARTY_KEYS:
                past = None if key is None else history.before(span, day, "ships")
                out[f"{name}_past_shipments"] = past
            if self.thresholds is not None:
                for suffix, pos, n in pairs:
                    hp, hn = history.before(span, day, pos), history.before(span, day, n)
                    threshold = self.thresholds[(name, suffix)].at(day)
                    out[f"{name}_top_decile{suffix}"] = deciles.flag(hp, hn, threshold)
            if name in PARTY_KEYS:
                out.update(_behaviour(name, key, history, span, day))
                listed = None if key is None else self.watchlisted.get(key)
                out[f"{name}_watchlisted"] = 1.0 if listed is not None and listed < day else 0.0
                if self.network is not None:
                    risk = self.network.risk_of(key, day)
                    out[f"{name}_network_risk"] = risk
                    # As the SQL: a path only where it explains a risk.
                    out[f"{name}_network_path"] = self.network.path_of(key, day) if risk else None
        return out

    def _unit_value(self, log_unit: float | None, hs6: str | None, day: int) -> dict[str, Any]:
        span = self.unit.span(hs6)
        count = self.unit.before(span, day, "c")
        out: dict[str, float | None] = {"unit_value_z": None, "unit_value_log_ratio": None}
        if count < MIN_PRICE_HISTORY or log_unit is None:
            return out
        assert span is not None  # a count above 0
        shifted = self.unit.before(span, day, "s") / count  # sums less the HS6's c0 (features)
        variance = max(self.unit.before(span, day, "s2") / count - shifted * shifted, 0.0)
        mean = self.unit.kept["c0"][span[0]] + shifted
        out["unit_value_log_ratio"] = log_unit - mean
        z = (log_unit - mean) / math.sqrt(variance) if variance > MIN_LOG_VARIANCE else None
        out["unit_value_z"] = z
        return out


def _thresholds(
    engine: Engine, head: str, labels: list[str]
) -> dict[tuple[str, str], deciles.Thresholds]:
    """Per history key and rate: the top-decile thresholds of every week (``deciles.py``)."""
    out = {}
    for name in HISTORY_KEYS:
        sql = f"{head},\n{key_rows_sql(name)},\n{history_sql(name, labels, name in PARTY_KEYS)},\n"
        sql += f"{deciles.changes_sql(name, labels)}\nSELECT lab, rbin, eff, chg FROM dd_{name}"
        table = engine.query(sql)
        lab = table.column("lab").to_pylist()
        for suffix, _, _ in rate_pairs(labels):
            mask = pa.array([v == suffix for v in lab], pa.bool_())
            out[(name, suffix)] = deciles.Thresholds.from_table(table.filter(mask))
    return out


def _route(record: Mapping[str, Any]) -> dict[str, float | None]:
    """Transit legs and transshipment, as ``features._select_sql``."""
    legs = len(record.get("transit_countries") or ())
    origin, departure = record.get("origin_country"), record.get("departure_country")
    if legs:
        moved: float | None = 1.0
    elif origin is None or departure is None:
        moved = None
    else:
        moved = 1.0 if origin != departure else 0.0
    return {"transit_legs": float(legs), "transshipment": moved}


def _behaviour(
    name: str, key: str | None, history: History, span: tuple[int, int] | None, day: int
) -> dict[str, float | None]:
    if key is None:  # the SQL's LEFT JOIN finds no row for a null key
        return dict.fromkeys(
            (
                f"{name}_volume_7d",
                f"{name}_volume_30d",
                f"{name}_past_shipments",
                f"{name}_days_known",
            )
        )
    past = history.before(span, day, "ships")
    first = history.first_day(span)
    return {
        f"{name}_volume_7d": past - history.before(span, day - 7, "ships"),
        f"{name}_volume_30d": past - history.before(span, day - 30, "ships"),
        f"{name}_past_shipments": past,
        # The shipment itself counts as seen on its own day, as in the SQL's running minimum.
        f"{name}_days_known": float(day - min(first, day)) if first is not None else 0.0,
    }


def _ln1p(value: float | None) -> float | None:
    return None if value is None or value <= -1 else math.log(1 + value)


def _amount_features(record: Mapping[str, Any]) -> dict[str, float | None]:
    value, vas = record.get("declared_value"), record.get("value_at_stake")
    per = record.get("quantity")
    per = record.get("weight_kg") if per is None else per
    log_unit = None
    if value is not None and value > 0 and per is not None and per > 0:
        log_unit = math.log(value / per)
    return {
        "log_declared_value": _ln1p(value),
        "log_weight_kg": _ln1p(record.get("weight_kg")),
        "log_quantity": _ln1p(record.get("quantity")),
        "value_at_stake_ratio": None if vas is None or not value else vas / value,
        "log_unit_value": log_unit,
    }

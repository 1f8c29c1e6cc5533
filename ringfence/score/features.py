"""Shipment risk features, computed in SQL through the Engine, strictly out of time.

Every feature of a shipment dated ``d`` uses only what was known before ``d``:

* label history (past inspections and positives) counts outcomes whose *effective date* — the
  later of the outcome's date and its shipment's date, since a label cannot be known before the
  shipment exists — is strictly earlier than ``d``. Same-day shipments never see each other's
  labels: history is aggregated per key and day and accumulated over *earlier* days only
  (``history.py`` builds those CTEs);
* behaviour and unit-value history use shipments of earlier days (declarations themselves are known
  when lodged, but using only earlier days keeps one rule for everything).
* network risk (once ``ringfence network risk`` has run) is propagated per ISO week from the
  watchlist entries and seizures known before the week starts (``network_risk.py``).
* consignees at the consignee's address count the 30 days before ``d`` (``consignees.py``);
  money is converted at the exchange rate valid on ``d`` (``currency.py``).

The SQL is DuckDB dialect using only window functions and joins that Spark also runs. A
``label_cutoff`` freezes the label history (backtests use it so the test window's labels are never
read, not even as history).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec

import pyarrow as pa
import pyarrow.compute as pc

from ringfence.score import deciles, history, profiles
from ringfence.score.base_rows import base_sql as _base_sql
from ringfence.score.base_rows import key_rows_sql
from ringfence.score.base_rows import network_keys_sql as network_keys_sql
from ringfence.score.base_rows import watchlist_sql as watchlist_sql
from ringfence.score.base_rows import wide_sql as _wide_sql
from ringfence.score.consignees import (
    consignee_address_sql,
    feature_column_sql,
)
from ringfence.score.cte_hints import hint_ctes
from ringfence.score.goods import Catalogue, goods_features, load_catalogue
from ringfence.score.history import (
    history_sql,
    labels_sql,
    prior_rate,
    prior_sql,
    rate_pairs,
)
from ringfence.score.inputs import known_labels, register_inputs
from ringfence.score.keys import GOODS_KEYS as GOODS_KEYS
from ringfence.score.keys import HISTORY_KEYS, PARTY_KEYS
from ringfence.score.keys import PAIR_KEYS as PAIR_KEYS
from ringfence.score.keys import VALUE_KEY_LIMIT as VALUE_KEY_LIMIT
from ringfence.score.network_risk import (
    NetworkSnapshots,
    load_snapshots,
    period_sql,
    register_network_risk,
)
from ringfence.score.unit_value import MIN_LOG_VARIANCE as MIN_LOG_VARIANCE
from ringfence.score.unit_value import MIN_PRICE_HISTORY as MIN_PRICE_HISTORY
from ringfence.score.unit_value import unit_value_sql
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine

P = ParamSpec("P")

# Entity counts and top-decile flags (issue 14 item 2), read when a query or feature state is
# built: ``<key>_past_shipments`` for the keys that are not parties (parties always have it) and
# ``<key>_top_decile<label>`` for every key and rate (``deciles.py``). On KCS development the
# flags helped and the counts did not (docs/targeting.md), but with the flags the training
# query (out-of-fold profiles) ran out of DuckDB's default 2 GB at 374,354 shipments, where it
# fits without them (docs/scale.md): both off by default until that query is bounded;
# ``bench/targeting.py --counts / --deciles`` switch them (batch, online twin and training
# follow; a model trained with other settings is refused until retrained).
SHIPMENT_COUNTS = False
TOP_DECILES = False


def feature_switches() -> dict[str, bool]:
    """The feature switches in force (recorded in a model's manifest as ``feature_switches``)."""
    return {"shipment_counts": SHIPMENT_COUNTS, "top_deciles": TOP_DECILES}


def switches_note(trained: dict[str, bool] | None) -> str:
    """Why a model's features differ, when its switches do (empty otherwise): for the message
    that refuses it."""
    now = feature_switches()
    if not trained or trained == now:
        return ""
    words = {"shipment_counts": "entity counts", "top_deciles": "top-decile flags"}
    parts = [
        f"{words[key]} {'on' if trained.get(key) else 'off'} (here {'on' if value else 'off'})"
        for key, value in now.items()
        if bool(trained.get(key)) != value
    ]
    return "; it was trained with " + ", ".join(parts)
# Party mention -> resolved entity (the columns of ``entity_mentions`` that features read).
ENTITY_MAP_SCHEMA = pa.schema([("mention_id", pa.string()), ("entity_id", pa.string())])
# Carried along for measurement, not model inputs.
ID_COLUMNS = (
    "id", "source_key", "date", "value_at_stake", "declared_value", "description", "hs_code",
    "origin_country", "departure_country",
)  # fmt: skip
# Text for explanations, not model inputs: each party's network path to a known counterfeiter.
TEXT_COLUMNS = tuple(f"{name}_network_path" for name in PARTY_KEYS)
# Prefix of the hidden columns a query built with ``counts`` returns besides the features: each
# rate's inspections and prior, from which ``reprior.py`` makes any prior weight's rates.
HIDDEN = "hidden__"
# The base rows a limited query returns (``feature_sql(rows=)``), stored once.
KEPT = "kept_rows"


@dataclass(frozen=True)
class FeatureSet:
    """A feature table (``id``, ``source_key``, ``date`` + features) and its feature columns."""

    table: pa.Table
    columns: list[str]


def _counts(name: str, pos: str, n: str, cutoff_day: int | None, oof: bool) -> tuple[str, ...]:
    """SQL of a key's positives and inspections and of the prior's, out of fold or of time."""
    if oof:
        return (
            profiles.counter(name, pos, cutoff_day),
            profiles.counter(name, n, cutoff_day),
            profiles.prior_counter(pos, cutoff_day),
            profiles.prior_counter(n, cutoff_day),
        )
    hp, hn = f"coalesce(w_{name}.{name}__{pos}, 0)", f"coalesce(w_{name}.{name}__{n}, 0)"
    return hp, hn, f"prior.{pos}", f"prior.{n}"


def _profile_columns(
    labels: list[str], cutoff_day: int | None, oof: bool, weight: float, counts: bool = False
) -> list[str]:
    """Each history key's smoothed rates (``weight`` pseudo-observations of the prior),
    positives and inspections; with ``counts``, the hidden columns a rate is made of too."""
    cols = []
    for name in HISTORY_KEYS:
        for suffix, pos, n in rate_pairs(labels):
            hp, hn, pp, pn = _counts(name, pos, n, cutoff_day, oof)
            rate = f"({hp} + {weight} * {prior_rate(pp, pn)}) / ({hn} + {weight})"
            cols.append(f"{rate} AS {name}_rate{suffix}")
            cols.append(f"{hp} AS {name}_positives{suffix}")
            if counts:
                cols.append(f"{hn} AS {inspections_column(name, suffix)}")
                if name == next(iter(HISTORY_KEYS)):  # the prior is the same for every key
                    cols.append(f"{prior_rate(pp, pn)} AS {prior_column(suffix)}")
        cols.append(f"{_counts(name, 'n_any', 'n_any', cutoff_day, oof)[0]} AS {name}_inspections")
        if SHIPMENT_COUNTS and name not in PARTY_KEYS:
            cols.append(f"w_{name}.{name}_past_shipments")
        if TOP_DECILES:
            for suffix, pos, n in rate_pairs(labels):
                hp, hn = (_raw(name, c, cutoff_day, oof) for c in (pos, n))
                flag = deciles.flag_sql(hp, hn, f"dthr.thr_{name}{suffix}")
                cols.append(f"{flag} AS {name}_top_decile{suffix}")
    return cols


def inspections_column(name: str, suffix: str) -> str:
    """Hidden column (``feature_sql(counts=True)``): the inspections ``hn`` of a key's rate."""
    return f"{HIDDEN}{name}_inspections{suffix}"


def prior_column(suffix: str) -> str:
    """Hidden column (``feature_sql(counts=True)``): the prior of a label's rates."""
    return f"{HIDDEN}prior{suffix}"


def _raw(name: str, column: str, cutoff_day: int | None, oof: bool) -> str:
    """A key's label counter, unscaled: out of fold for training rows with ``oof``."""
    if oof:
        return profiles.raw_counter(name, column, cutoff_day)
    return f"coalesce(w_{name}.{name}__{column}, 0)"


def _kept(cte: str, match: str, rows: bool) -> str:
    """``cte`` as a final join reads it: with ``rows`` (the query limited to some base rows,
    ``KEPT``) only its rows that a kept row meets — ``match``: ``"k=k_hs6,day=day"``, the
    CTE's columns and the kept row's they equal — so the join holds what those rows need rather
    than every key and day of the lake (docs/scale.md: at 10M shipments the whole tables did not
    fit DuckDB's 2 GB). An uncorrelated ``IN`` (both engines plan it as a semi join)."""
    if not rows:
        return cte
    pairs = [pair.split("=") for pair in match.split(",")]
    mine = ", ".join(f"n.{own}" for own, _ in pairs)
    theirs = ", ".join(f"s.{other}" for _, other in pairs)
    if len(pairs) > 1:
        mine = f"({mine})"
    return f"(SELECT * FROM {cte} n WHERE {mine} IN (SELECT {theirs} FROM {KEPT} s))"


def _select_sql(
    labels: list[str],
    network: bool = False,
    cutoff_day: int | None = None,
    oof: bool = False,
    prior_weight: float = history.PRIOR_WEIGHT,
    counts: bool = False,
    rows: bool = False,
) -> str:
    cols = [f"{'b' if c in ('id', 'date') else 'x'}.{c}" for c in ID_COLUMNS]
    cols += [
        "ln(1 + x.declared_value) AS log_declared_value",
        "ln(1 + x.weight_kg) AS log_weight_kg",
        "ln(1 + x.quantity) AS log_quantity",
        "x.value_at_stake / nullif(x.declared_value, 0) AS value_at_stake_ratio",
        "b.log_unit_value",
        f"CASE WHEN u.cnt >= {MIN_PRICE_HISTORY} AND u.var > {MIN_LOG_VARIANCE}"
        " THEN (b.log_unit_value - u.mean) / sqrt(u.var) END AS unit_value_z",
        f"CASE WHEN u.cnt >= {MIN_PRICE_HISTORY} THEN b.log_unit_value - u.mean END"
        " AS unit_value_log_ratio",
        "CAST(x.transit_legs AS DOUBLE) AS transit_legs",
        # Goods leaving from another country than they were made in, or routed through one.
        "CAST(CASE WHEN x.transit_legs > 0 THEN 1"
        " WHEN x.origin_country IS NULL OR x.departure_country IS NULL THEN NULL"
        " WHEN x.origin_country <> x.departure_country THEN 1 ELSE 0 END AS DOUBLE)"
        " AS transshipment",
        feature_column_sql(),
    ]
    cols += _profile_columns(labels, cutoff_day, oof, prior_weight, counts)
    for name in PARTY_KEYS:
        cols += [
            f"w_{name}.{name}_volume_7d",
            f"w_{name}.{name}_volume_30d",
            f"w_{name}.{name}_past_shipments",
            f"w_{name}.{name}_days_known",
            f"CAST(CASE WHEN wl_{name}.wday < b.day THEN 1 ELSE 0 END AS DOUBLE)"
            f" AS {name}_watchlisted",
        ]
        if network:  # a party outside the network is 0; no party at all is null
            cols += [
                f"CASE WHEN b.k_{name} IS NOT NULL THEN coalesce(nr_{name}.network_risk, 0.0)"
                f" END AS {name}_network_risk",
                f"nr_{name}.network_path AS {name}_network_path",
            ]
    joins = "\n".join(
        f"LEFT JOIN {_kept(f'w_{name}', f'k=k_{name},day=day', rows)} w_{name}"
        f" ON w_{name}.k = b.k_{name} AND w_{name}.day = b.day"
        for name in HISTORY_KEYS
    )
    joins += "\n" + "\n".join(
        f"LEFT JOIN wl wl_{name} ON wl_{name}.k = b.k_{name}" for name in PARTY_KEYS
    )
    if network:
        joins += "\n" + "\n".join(
            f"LEFT JOIN network_risk_at nr_{name} ON nr_{name}.k = b.k_{name}"
            f" AND nr_{name}.pday = {period_sql('b.day')}"
            for name in PARTY_KEYS
        )
    if oof:
        joins += "\n" + profiles.joins(
            list(HISTORY_KEYS), lambda cte, match: _kept(cte, match, rows)
        )
    if TOP_DECILES:
        joins += "\n" + deciles.join_sql()
    select = ",\n ".join(cols)
    ca_w = _kept("ca_w", "a=consignee_address,day=day", rows)
    return f"""SELECT {select}
FROM {KEPT if rows else "base"} b
JOIN {_wide_sql()} x ON x.id = b.id
LEFT JOIN prior ON prior.day = b.day
LEFT JOIN unit u ON u.k = b.k_hs6 AND u.day = b.day
LEFT JOIN {ca_w} cw ON cw.a = b.consignee_address AND cw.day = b.day
{joins}"""


def feature_parts(
    labels: list[str],
    label_cutoff: dt.date | None = None,
    network: bool = False,
    oof: bool = False,
    prior_weight: float | None = None,
    rows: str | None = None,
    counts: bool = False,
) -> tuple[list[str], str]:
    """The feature query's CTEs (``name AS (...)``, one or more to an item) and final select:
    the whole feature query over registered ``shipments``, ``outcomes``, ``entity_mentions``,
    ``parties`` and ``watchlist`` tables (and ``network_risk_at`` with ``network``); with
    ``oof``, training rows' label profiles are out of fold (``profiles.py``). ``prior_weight``:
    the profiles' smoothing (the model's, ``ScoringModel.prior_weight``; default
    ``history.PRIOR_WEIGHT``). ``rows``: an SQL condition on the base row ``b`` that limits the
    rows the query returns before its joins (every history still spans all shipments).
    ``counts``: the hidden columns of each rate's inspections and prior too (``HIDDEN``)."""
    weight = history.PRIOR_WEIGHT if prior_weight is None else float(prior_weight)
    cutoff_day = (label_cutoff - dt.date(1970, 1, 1)).days if label_cutoff else None
    ctes = [_base_sql(), labels_sql(labels, cutoff_day), prior_sql(labels), unit_value_sql()]
    if rows is not None:  # the rows returned, which the final joins are cut down to (_kept)
        ctes.insert(1, f"{KEPT} AS (SELECT * FROM base b WHERE {rows})")
    ctes += [watchlist_sql(), consignee_address_sql()]
    ctes += [key_rows_sql(name) for name in HISTORY_KEYS]
    if oof:
        ctes += [profiles.fold_sql(labels)]
    ctes += [
        history_sql(name, labels, name in PARTY_KEYS, SHIPMENT_COUNTS, "labf" if oof else "lab")
        for name in HISTORY_KEYS
    ]
    if TOP_DECILES:
        ctes += [deciles.changes_sql(name, labels) for name in HISTORY_KEYS]
        ctes += [deciles.thresholds_sql(list(HISTORY_KEYS), labels)]
    if oof:
        ctes += [profiles.oof_sql(name, labels) for name in HISTORY_KEYS]
    return ctes, _select_sql(labels, network, cutoff_day, oof, weight, counts, rows is not None)


def _as_statement(parts: Callable[P, tuple[list[str], str]]) -> Callable[P, str]:
    def statement(*args: P.args, **kwargs: P.kwargs) -> str:
        ctes, select = parts(*args, **kwargs)
        return hint_ctes("WITH " + ",\n".join(ctes)) + "\n" + select

    statement.__doc__ = """The whole feature query as one statement: ``feature_parts`` (same
    arguments), its CTEs marked for DuckDB (``cte_hints.py``)."""
    return statement


feature_sql = _as_statement(feature_parts)


def compute_features(
    engine: Engine,
    labels: list[str],
    label_cutoff: dt.date | None = None,
    catalogue: Catalogue | None = None,
    network: NetworkSnapshots | None = None,
    oof: bool = False,
    prior_weight: float | None = None,
) -> FeatureSet:
    """Features of every shipment in the engine's ``shipments`` table, in no particular order
    (sorting a million wide rows costs more than computing them; callers sort what they keep).

    With a brand ``catalogue``, the goods features (brand mentions, price, HS code) are added;
    with ``network`` snapshots (``network_risk.load_snapshots``, built with the same label
    cut-off), each party's out-of-time ``<role>_network_risk``. ``oof`` gives training rows
    (dated before ``label_cutoff``) out-of-fold label profiles, for training (``profiles.py``);
    ``prior_weight`` smooths the profiles (``feature_sql``).
    """
    if network is not None:
        register_network_risk(engine, network, network_keys_sql())
    sql = feature_sql(labels, label_cutoff, network is not None, oof, prior_weight)
    table = engine.query(sql)
    return finish_features(table, catalogue)


def finish_features(table: pa.Table, catalogue: Catalogue | None) -> FeatureSet:
    """The feature query's rows with the goods features appended (with a ``catalogue``) and
    the model's columns named; bulk scoring calls it per batch (``batch.py``)."""
    if catalogue is not None:
        unit = pc.exp(table.column("log_unit_value"))
        extra = goods_features(table.append_column("unit_value", unit), catalogue)
        for name, values in extra.items():
            table = table.append_column(name, pa.array(values, pa.float64()))
    skip = ID_COLUMNS + TEXT_COLUMNS
    columns = [c for c in table.column_names if c not in skip and not c.startswith(HIDDEN)]
    return FeatureSet(table, columns)


def features_for(settings: Settings, label_cutoff: dt.date | None = None) -> FeatureSet:
    """Open the engine on the lake and compute every shipment's features."""
    engine = open_engine(settings)
    try:
        register_inputs(settings, engine)
        catalogue = load_catalogue(settings, engine)
        network = load_snapshots(settings, label_cutoff)
        return compute_features(engine, known_labels(engine), label_cutoff, catalogue, network)
    finally:
        engine.close()

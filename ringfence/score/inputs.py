"""What the feature SQL reads, bound in the engine: the lake's shipments, outcomes, parties,
watchlist and entity map, the tables prepared in Python from them (consignee addresses,
exchange-rate intervals), and the outcome labels as columns for training."""

from __future__ import annotations

import pyarrow as pa

from ringfence.score.consignees import register_addresses
from ringfence.score.currency import register_rates
from ringfence.score.history import day_number, sql_literal
from ringfence.settings import Settings
from ringfence.store.engine import Engine
from ringfence.store.lake import Lake

ENTITY_MAP_SCHEMA = pa.schema([("mention_id", pa.string()), ("entity_id", pa.string())])


def known_labels(engine: Engine) -> list[str]:
    """Outcome labels present in the lake, sorted."""
    rows = engine.query("SELECT DISTINCT label FROM outcomes WHERE label IS NOT NULL").column(0)
    return sorted(str(v) for v in rows.to_pylist())


def register_inputs(settings: Settings, engine: Engine) -> bool:
    """Bind shipments, outcomes, parties (and their cleaned consignee addresses), the watchlist
    and the entity map in the engine (an empty map before entity resolution); returns whether
    any shipments exist."""
    from ringfence.model.feeds import feed

    lake = Lake(settings)
    lake.register(engine, "outcomes", feed("outcomes").schema)
    lake.register(engine, "entity_mentions", ENTITY_MAP_SCHEMA)
    lake.register(engine, "parties", feed("parties").schema)
    lake.register(engine, "watchlist", feed("watchlist").schema)
    found = lake.register(engine, "shipments", feed("shipments").schema)
    register_derived(settings, engine)
    return found


def register_derived(settings: Settings, engine: Engine) -> None:
    """Bind the tables the feature SQL reads that are prepared in Python: consignee addresses
    (from the registered ``parties``) and exchange-rate intervals (from the lake)."""
    register_addresses(engine)
    register_rates(settings, engine)


def label_table(engine: Engine, labels: list[str]) -> pa.Table:
    """Per shipment id: one 0/1 column per label (null where that label was never recorded),
    and ``<label>__known``, the day (since 1970) the label became known, so that training can
    leave out labels learnt after its cut-off even when their shipment is older."""
    cols = ", ".join(
        f"max(CASE WHEN o.label = {sql_literal(lab)} THEN CAST(o.positive AS INTEGER) END)"
        f' AS "{lab}", '
        f"max(CASE WHEN o.label = {sql_literal(lab)} THEN "
        f'{day_number("greatest(coalesce(o.date, s.date), s.date)")} END) AS "{lab}__known"'
        for lab in labels
    )
    return engine.query(
        f"SELECT o.shipment_ref AS id, {cols} FROM outcomes o "
        "JOIN shipments s ON s.id = o.shipment_ref GROUP BY 1"
    )

"""A second, longer inspection list for the browser tests that need a full day's queue.

The prepared world queues 12 shipments on its latest date; layout and conflict tests want a
20-row queue of their own, written on an earlier free date so the default (latest) queue other
tests use is untouched. Its shipments are scored by the world's model like any targeting run's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ringfence.score.serve import score_shipments
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.tasks import InspectionTaskDraft
from tests.worlds import PreparedWorld

LONG_QUEUE = 20


@dataclass(frozen=True)
class ExtraQueue:
    """The date of the extra list and its task ids, in rank order."""

    organisation: str
    target_date: str
    task_ids: list[int]

    @property
    def url(self) -> str:
        """The queue page showing this list (every status)."""
        return f"/queue?target_date={self.target_date}&status=all"


def write_long_queue(world: PreparedWorld, organisation: str, size: int = LONG_QUEUE) -> ExtraQueue:
    """Queue ``size`` scored shipments for ``organisation`` on the latest day before the
    world's list that has no list yet (the demo wrote the days just before)."""
    assert world.target_date, "the prepared world has an inspection date"
    with OperationalStore.open(world.settings) as store:
        taken = {t.target_date for t in store.inspection_tasks(organisation)}
    day = world.target_date
    while day in taken:
        day = (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()
    rows = _shipments(world, size * 2)
    scored = score_shipments(world.settings, shipment_ids=[r["id"] for r in rows])
    scored.sort(key=lambda row: -max(row["scores"].values(), default=0.0))
    stakes = {r["id"]: r for r in rows}
    drafts = []
    for rank, row in enumerate(scored[:size], start=1):
        label, probability = max(row["scores"].items(), key=lambda item: item[1])
        shipment = stakes[row["id"]]
        drafts.append(
            InspectionTaskDraft(
                shipment_id=row["id"],
                rank=rank,
                label=label,
                probability=min(max(float(probability), 0.0), 1.0),
                expected_value=float(probability) * float(shipment["value_at_stake"] or 0.0),
                selected_by="exploit" if rank <= size - 3 else "explore",
                selection_probability=1.0 if rank <= size - 3 else 0.05,
                reasons=row["reasons"],
                port=shipment["port"],
                value_at_stake=shipment["value_at_stake"],
                model_version=row["model_version"],
            )
        )
    assert len(drafts) == size, f"the world has only {len(drafts)} shipments to queue"
    with OperationalStore.open(world.settings) as store:
        ids = store.write_inspection_tasks(organisation, day, drafts, actor="test-long-queue")
    return ExtraQueue(organisation, day, ids)


def _shipments(world: PreparedWorld, count: int) -> list[dict[str, Any]]:
    """The latest shipments of the organisations whose shipments carry outcomes (as the
    prepared world's own list), the newest first, with a value at stake in the base currency:
    the feed's, else the declared value converted at the latest rate on or before its date (the
    queue shows values at stake in the base currency, as targeting converts them)."""
    lake, engine = Lake(world.settings), open_engine(world.settings)
    base = world.settings.base_currency.replace("'", "")
    try:
        assert lake.register(engine, "shipments") and lake.register(engine, "outcomes")
        rates = lake.register(engine, "exchange_rates")
        converted = (
            "(SELECT s.declared_value / r.rate FROM exchange_rates r WHERE r.currency = s.currency"
            f" AND r.base_currency = '{base}' AND r.date <= s.date ORDER BY r.date DESC LIMIT 1)"
            if rates
            else "NULL"
        )
        return engine.query(
            "SELECT s.id, s.port, coalesce(s.value_at_stake, CASE WHEN s.currency = "
            f"'{base}' THEN s.declared_value ELSE {converted} END) AS value_at_stake "
            "FROM shipments s WHERE s.organisation IN "
            "(SELECT DISTINCT sh.organisation FROM outcomes o JOIN shipments sh "
            " ON sh.id = o.shipment_ref) "
            f"ORDER BY s.date DESC, s.id LIMIT {int(count)}"
        ).to_pylist()
    finally:
        engine.close()

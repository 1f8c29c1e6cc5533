"""Recorded outcomes become labels, and seizures confirm counterfeiters, through ingestion.

Officers record what an inspection found in the operational store (API, UI). Training reads
labels from the lake, so ``sync_outcomes`` writes those records out as an ``outcomes`` feed file
with its mapping and ingests it like any partner file: the same validation, quarantine and
idempotence (an outcome's key is its store id, so a second sync changes nothing). A positive
seizure for counterfeit goods also puts the shipment's shipper on the recording organisation's
watchlist, with the outcome as evidence — which is how network risk and screening learn of it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ringfence.ingest import IngestSummary, ingest_files
from ringfence.model.feeds import feed
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.tables import RecordedOutcome

Progress = Callable[..., Any]

# Labels whose positive seizure confirms the shipper as a counterfeiter.
COUNTERFEIT_LABELS = frozenset({"counterfeit", "ipr"})
_DETAIL_FIELDS = ("goods_found", "brand", "units", "value", "currency")


@dataclass
class SyncSummary:
    """What one sync wrote: outcome and watchlist rows per organisation, and what it skipped."""

    outcomes: dict[str, IngestSummary] = field(default_factory=dict)
    watchlist: dict[str, IngestSummary] = field(default_factory=dict)
    unknown_shipments: list[str] = field(default_factory=list)

    @property
    def new_labels(self) -> int:
        """Outcome rows the lake did not hold before this sync."""
        return sum(s.accepted for s in self.outcomes.values())


def sync_outcomes(
    settings: Settings, *, promote_seizures: bool = True, progress: Progress | None = None
) -> SyncSummary:
    """Ingest every recorded outcome as a label; promote seized counterfeiters to the watchlist."""
    with OperationalStore.open(settings) as store:
        recorded = store.recorded_outcomes()
        # An inspection happens on its task's date; the record may be typed in days later.
        task_dates = store.task_dates(o.task_id for o in recorded if o.task_id is not None)
    shipments = _shipments(settings, {o.shipment_id for o in recorded})
    unknown = {o.shipment_id for o in recorded if o.shipment_id not in shipments}
    summary = SyncSummary(unknown_shipments=sorted(unknown))
    out_dir = settings.data_dir / "act"
    out_dir.mkdir(parents=True, exist_ok=True)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    suspects: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for outcome in recorded:
        shipment = shipments.get(outcome.shipment_id)
        if shipment is None:
            continue
        groups[(outcome.organisation, shipment["organisation"])].append(
            _outcome_row(outcome, shipment, task_dates.get(outcome.task_id or -1))
        )
        if promote_seizures and _confirms_counterfeiter(outcome) and shipment.get("shipper"):
            row = groups[(outcome.organisation, shipment["organisation"])][-1]
            suspects[outcome.organisation].append(_watchlist_row(outcome, shipment, row["date"]))
    for (recorder, owner), rows in sorted(groups.items()):
        path = out_dir / f"outcomes-{recorder}-on-{owner}.jsonl"
        mapping = _mapping(
            "outcomes", recorder,
            f"Outcomes recorded in Ringfence by {recorder} on {owner}'s shipments.",
            rows, "outcome_id", refs={"shipment": {"organisation": owner}},
        )  # fmt: skip
        summary.outcomes[f"{recorder}→{owner}"] = _ingest(
            settings, "outcomes", path, rows, mapping, recorder, progress
        )
    for recorder, rows in sorted(suspects.items()):
        path = out_dir / f"watchlist-{recorder}-from-seizures.jsonl"
        mapping = _mapping(
            "watchlist", recorder,
            f"Shippers of shipments {recorder} seized for counterfeit goods.", rows, "entry_id",
        )  # fmt: skip
        summary.watchlist[recorder] = _ingest(
            settings, "watchlist", path, rows, mapping, recorder, progress
        )
    return summary


def _confirms_counterfeiter(outcome: RecordedOutcome) -> bool:
    return outcome.positive and outcome.result == "seized" and outcome.label in COUNTERFEIT_LABELS


def _shipments(settings: Settings, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Owner, source key, date and shipper (as a party row) of each shipment in the lake."""
    wanted = sorted(set(ids))
    lake, engine = Lake(settings), open_engine(settings)
    try:
        if not wanted or not lake.register(engine, "shipments"):
            return {}
        has_parties = lake.register(engine, "parties")
        party_columns = (
            "p.name, p.street, p.city, p.postcode, p.country, p.phone, p.email, p.identifier, "
            "p.bank_account, p.website, p.schema_ AS schema_"
            if has_parties
            else "NULL AS name"
        )
        join = "LEFT JOIN parties p ON p.id = s.shipper_ref" if has_parties else ""
        values = ", ".join("(" + _sql_string(i) + ")" for i in wanted)
        rows = engine.query(
            f"SELECT s.id, s.organisation, s.source_key, s.date, {party_columns} "
            f"FROM shipments s {join} WHERE s.id IN (SELECT * FROM (VALUES {values}) v(id))"
        ).to_pylist()
    finally:
        engine.close()
    found = {}
    for row in rows:
        shipper = {
            k: row.pop(k)
            for k in list(row)
            if k not in {"id", "organisation", "source_key", "date"}
        }
        found[row["id"]] = {**row, "shipper": shipper if shipper.get("name") else None}
    return found


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _outcome_row(
    outcome: RecordedOutcome, shipment: dict[str, Any], task_date: str | None
) -> dict[str, Any]:
    details = outcome.details or {}
    row = {
        "outcome_id": f"recorded-{outcome.id}",
        "shipment": shipment["source_key"],
        "label": outcome.label,
        "positive": "true" if outcome.positive else "false",
        "date": str(details.get("date") or task_date or outcome.created_at.date().isoformat()),
        "result": outcome.result,
    }
    # Every column on every row (null where unknown): the mapping names them all.
    row.update({k: details.get(k) if details.get(k) != "" else None for k in _DETAIL_FIELDS})
    return row


def _watchlist_row(
    outcome: RecordedOutcome, shipment: dict[str, Any], seized_on: str
) -> dict[str, Any]:
    shipper = {
        ("schema" if k == "schema_" else k): (v if v != "" else None)
        for k, v in shipment["shipper"].items()
    }
    return {
        **shipper,
        "entry_id": f"seizure-{outcome.id}",
        "confirmed_by": outcome.recorded_by,
        "confirmed_at": seized_on,
        "evidence_ref": f"outcome {outcome.id}: seizure of shipment {shipment['source_key']}",
        "brand": (outcome.details or {}).get("brand"),
        "notes": "shipper of a shipment seized for counterfeit goods",
    }


def _mapping(
    feed_name: str,
    recorder: str,
    description: str,
    rows: list[dict[str, Any]],
    key: str,
    refs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A mapping that reads each row column named like one of the feed's canonical fields.

    Derived from the feed's declaration, so a field added to the model needs no edit here.
    """
    specs = {spec.canonical_column: spec for spec in feed(feed_name).data_fields}
    fields: dict[str, Any] = {
        column: {"column": column, "date_format": "%Y-%m-%d"}
        if specs[column].type == "date"
        else column
        for column in rows[0]
        if column in specs and column != "id"
    }
    return {
        "feed": feed_name,
        "organisation": recorder,
        "description": description,
        "format": {"type": "jsonl"},
        "key": [key],
        "fields": fields,
        "refs": refs or {},
    }


def _ingest(
    settings: Settings,
    feed: str,
    path: Path,
    rows: list[dict[str, Any]],
    mapping: dict[str, Any],
    organisation: str,
    progress: Progress | None,
) -> IngestSummary:
    """Write the rows and their mapping beside each other, then ingest like any partner file."""
    rows.sort(key=lambda r: str(r.get("outcome_id") or r.get("entry_id")))
    path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows), "utf-8")
    mapping_path = path.with_suffix(".mapping.yaml")
    mapping_path.write_text(yaml.safe_dump(mapping, sort_keys=False), "utf-8")
    return ingest_files(
        settings,
        feed,
        [path],
        mapping=mapping_path,
        organisation=organisation,
        progress=progress,
        actor="act:sync-outcomes",
    )

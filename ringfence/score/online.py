"""Fast in-process scoring for the API: one shipment (or a few) in milliseconds, with reasons.

``OnlineScorer.load`` reads the model, the rules, the brand catalogue and the per-key history
(``online_state.FeatureState``) once; afterwards ``score_ids`` (shipments in the lake) and
``score_records`` (a posted shipment not yet ingested) compute the same features as the batch
path (``serve.score_shipments``), history strictly before the shipment's date, without touching
the lake. The state is a snapshot: call ``load`` again after new ingests or a new model.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ringfence.errors import NotFoundError, UserError
from ringfence.model.feeds import feed, value_type
from ringfence.model.records.base import PROVENANCE_FIELDS, make_id
from ringfence.model.types.base import InvalidValue
from ringfence.score.canonical import canonical
from ringfence.score.explain import explain_row
from ringfence.score.features import ID_COLUMNS, switches_note
from ringfence.score.goods import Catalogue, goods_features, load_catalogue
from ringfence.score.inputs import known_labels, register_inputs
from ringfence.score.model import ScoringModel, load_model
from ringfence.score.network_risk import load_snapshots
from ringfence.score.online_state import FeatureState
from ringfence.score.pipeline import EPOCH
from ringfence.score.rules import Rule, evaluate, load_rules, rules_score
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine

# Shipment fields the features read (besides id, source_key and date).
_INPUT_FIELDS = (
    "declared_value", "currency", "quantity", "weight_kg", "value_at_stake", "description",
    "hs_code", "origin_country", "departure_country", "transit_countries", "port",
    "shipper_ref", "consignee_ref", "importer_ref", "declarant_ref", "seller_ref", "courier_ref",
)  # fmt: skip


@dataclass
class LakeShipments:
    """The lake's shipments (the fields features read), found by id."""

    table: pa.Table
    rows: pd.Index  # id -> row of ``table``

    @classmethod
    def load(cls, engine: Engine) -> LakeShipments:
        """Read the shipments the batch features see (those with a date)."""
        cols = ", ".join(("id", "source_key", "date", *_INPUT_FIELDS))
        table = engine.query(f"SELECT {cols} FROM shipments WHERE date IS NOT NULL")
        ids = pd.Index(table.column("id").to_pandas())
        keep = ~ids.duplicated()  # an id ingested twice is one shipment
        if not keep.all():
            table = table.filter(pa.array(keep))
            ids = ids[keep]
        return cls(table.combine_chunks(), ids)

    def records(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The stored fields of each shipment; ``NotFoundError`` naming the missing ones."""
        rows = [self._row(i) for i in ids]
        missing = [i for i, r in zip(ids, rows, strict=True) if r < 0]
        if missing:
            shown = ", ".join(repr(m) for m in missing[:5])
            raise NotFoundError(f"{len(missing)} shipment(s) not in the lake: {shown}")
        if len(rows) == 1:  # a single slice is far cheaper than a take
            return self.table.slice(rows[0], 1).to_pylist()
        return self.table.take(pa.array(rows, pa.int64())).to_pylist()

    def has(self, shipment_id: str) -> bool:
        """Whether the shipment is held (in the lake, with a date)."""
        return self._row(shipment_id) >= 0

    def _row(self, shipment_id: str) -> int:
        try:
            return int(self.rows.get_loc(shipment_id))
        except KeyError:
            return -1


class OnlineScorer:
    """A loaded model plus feature state; scores shipments without recomputing the lake."""

    def __init__(
        self,
        model: ScoringModel,
        rules: list[Rule],
        state: FeatureState,
        catalogue: Catalogue | None,
        shipments: LakeShipments,
    ) -> None:
        """Use ``OnlineScorer.load``."""
        self.model, self.rules, self.state = model, rules, state
        self.catalogue, self.shipments = catalogue, shipments
        base = len(model.features) - len(rules) - 1
        self.feature_columns = model.features[:base]

    @classmethod
    def load(
        cls,
        settings: Settings,
        version: str | None = None,
        rules_path: str | Path | None = None,
    ) -> OnlineScorer:
        """Load the model (latest when ``version`` is None) and the lake's history, once."""
        model = load_model(settings, version)
        rules = load_rules(rules_path)
        engine = open_engine(settings)
        try:
            if not register_inputs(settings, engine):
                raise UserError("no shipments ingested yet: run 'ringfence ingest' first")
            network = load_snapshots(settings)
            if network is not None:
                network.warm()
            state = FeatureState.load(engine, known_labels(engine), network, model.prior_weight)
            catalogue = load_catalogue(settings, engine)
            shipments = LakeShipments.load(engine)
        finally:
            engine.close()
        return cls(model, rules, state, catalogue, shipments)

    @property
    def version(self) -> str:
        """The model version scores come from."""
        return self.model.version

    def score_ids(self, ids: Sequence[str], explain: bool = True) -> list[dict[str, Any]]:
        """Scores (and reasons) of shipments in the lake, in the order asked."""
        return self._score(self.shipments.records(ids), explain)

    def score_records(
        self,
        records: Sequence[Mapping[str, Any]],
        organisation: str | None = None,
        explain: bool = True,
    ) -> list[dict[str, Any]]:
        """Scores of posted shipments not (yet) in the lake.

        Fields are named as in the ``shipments`` feed (``importer`` or ``importer_ref`` both
        work); ``date`` is required. Party references are the lake's party ids, or, with
        ``organisation``, that organisation's own party keys (hashed as ingestion does). A bad
        or unknown field raises ``UserError`` naming it.
        """
        parsed = [parse_record(r, i, organisation) for i, r in enumerate(records)]
        return self._score(parsed, explain)

    def _score(self, records: list[dict[str, Any]], explain: bool) -> list[dict[str, Any]]:
        if not records:
            return []
        rows = self._feature_rows(records)
        x, fired = self._matrix(rows)
        # One thread: a single row is microseconds of work, and waking OpenMP threads took ms.
        scores = {label: m.probability(x, threads=1) for label, m in self.model.models.items()}
        reasons: dict[str, list[list[str]]] = {}
        if explain:
            for label, m in self.model.models.items():
                contrib = m.contributions(x, threads=1)
                reasons[label] = [
                    explain_row(contrib[i], self.model.features, row, self.rules, fired[i])
                    for i, row in enumerate(rows)
                ]
        return [
            {
                "id": record["id"],
                "source_key": record["source_key"],
                "scores": {label: float(s[i]) for label, s in scores.items()},
                "reasons": {label: rs[i] for label, rs in reasons.items()},
                "model_version": self.model.version,
            }
            for i, record in enumerate(records)
        ]

    def _feature_rows(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Per record: its id columns and every feature, as one row of the batch feature table."""
        rows = []
        for record in records:
            row: dict[str, Any] = {c: record.get(c) for c in ID_COLUMNS}
            row.update(self.state.features(record, (record["date"] - EPOCH).days))
            if self.catalogue is not None:
                row.update(self._goods(record, row["log_unit_value"]))
            rows.append(row)
        missing = [c for c in self.feature_columns if c not in rows[0]]
        if missing:
            raise UserError(
                f"model {self.model.version} expects features this lake does not give "
                f"({', '.join(missing[:5])})"
                f"{switches_note(self.model.extra.get('feature_switches'))}; "
                "retrain with 'ringfence train'"
            )
        return rows

    def _goods(self, record: dict[str, Any], log_unit: float | None) -> dict[str, float]:
        assert self.catalogue is not None
        table = pa.table(
            {
                "description": pa.array([record.get("description")], pa.string()),
                "hs_code": pa.array([record.get("hs_code")], pa.string()),
                "unit_value": pa.array([None if log_unit is None else math.exp(log_unit)],
                                       pa.float64()),
            }
        )  # fmt: skip
        return {name: float(v[0]) for name, v in goods_features(table, self.catalogue).items()}

    def _matrix(self, rows: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        """The model inputs as ``pipeline.build_matrix`` lays them out, and the rules fired."""
        x = np.array([[_number(row[c]) for c in self.feature_columns] for row in rows], dtype=float)
        canonical(x)
        data = {c: x[:, j] for j, c in enumerate(self.feature_columns)}
        fired = evaluate(self.rules, data, len(rows))
        inputs = np.column_stack([x, fired.astype(float), rules_score(self.rules, fired)])
        return inputs, fired


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def parse_record(
    record: Mapping[str, Any], position: int, organisation: str | None = None
) -> dict[str, Any]:
    """A posted shipment as the lake would hold it; ``UserError`` naming a bad field."""
    spec = feed("shipments")
    out: dict[str, Any] = dict.fromkeys(_INPUT_FIELDS)
    where = f"shipment {position + 1}"
    for name, raw in record.items():
        if name in ("id", "source_key", "organisation"):
            continue
        try:
            field = spec.field(name)
        except KeyError:
            raise UserError(f"{where}: unknown field {name!r}") from None
        if field.name in PROVENANCE_FIELDS or raw is None or raw == "":
            continue
        if field.is_list:  # a JSON list, or one text with ';' between the values
            items = raw if isinstance(raw, list) else str(raw).split(";")
            base = field.type.removeprefix("list:")
            out[field.name] = [_clean(field.name, base, v, where) for v in items if v != ""]
            continue
        out[field.name] = _clean(field.name, field.type, raw, where)
        if field.ref_feed and organisation is not None:
            out[field.name] = make_id(organisation, field.ref_feed, out[field.name])
    if out.get("date") is None:
        raise UserError(f"{where}: field 'date' is required (YYYY-MM-DD)")
    key = record.get("source_key") or record.get("id") or f"posted-{position + 1}"
    out["source_key"] = str(key)
    out["id"] = str(record.get("id") or key)
    return out


def _clean(name: str, type_name: str, raw: Any, where: str) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | dt.date):
        raise UserError(f"{where}: field {name!r} must be a text, number or date, not {raw!r}")
    if isinstance(raw, float) and not math.isfinite(raw):
        raise UserError(f"{where}: field {name!r}: not a finite number")
    text = raw.isoformat() if isinstance(raw, dt.date) else str(raw)
    try:
        return value_type(type_name).clean(text)
    except InvalidValue as exc:
        raise UserError(f"{where}: field {name!r}: {exc} ({text[:60]!r})") from None

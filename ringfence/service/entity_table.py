"""Entity rows and network-risk rows held in memory, so requests never open the lake for them.

Screening and score reasons ask, per request, which entities the caller may read and how an
entity connects to its nearest seed. Reading those rows from the lake took a DuckDB engine,
a Parquet scan and the per-owner aggregation (``ownership``) on every request. These tables
hold the same rows, read once (``Services.entity_table`` / ``risk_table``, dropped when new
data lands); the policy gate still decides per request what each caller sees of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ringfence.service.ownership import owner_parts_table
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake


def _read(lake: Lake, name: str) -> pa.Table | None:
    parts = lake.parts(name)
    if not parts:
        return None
    return pa.concat_tables(
        [pq.read_table(p) for p in parts], promote_options="default"
    ).combine_chunks()


def _first_positions(ids: pa.ChunkedArray) -> tuple[pd.Index, np.ndarray]:
    """Unique ids and the first row holding each (an id stored twice: the first wins)."""
    index = pd.Index(ids.to_pylist(), dtype=object)
    keep = ~index.duplicated()
    return index[keep], np.flatnonzero(keep)


@dataclass
class EntityTable:
    """Every row of the ``entities`` dataset, plus each owner's own values (``_parts``)."""

    rows: pa.Table
    index: pd.Index  # entity id → position in ``positions``
    positions: np.ndarray  # → row of ``rows``
    parts: pa.Table  # per (entity, organisation), sorted by entity
    part_index: pd.Index  # entity id → position in ``part_starts``
    part_starts: np.ndarray  # start rows in ``parts``; one more than entities (the end)

    @classmethod
    def load(cls, settings: Settings) -> EntityTable:
        """Read the entities and compute every entity's per-owner parts (one query)."""
        lake = Lake(settings)
        rows = _read(lake, "entities") or pa.table({"entity_id": pa.array([], pa.string())})
        index, positions = _first_positions(rows.column("entity_id"))
        engine = open_engine(settings)
        try:
            parts = owner_parts_table(lake, engine)
        finally:
            engine.close()
        if parts is None or not parts.num_rows:
            empty = pd.Index([], dtype=object)
            return cls(rows, index, positions, pa.table({}), empty, np.zeros(1, np.int64))
        keys = [("rf_entity", "ascending"), ("rf_organisation", "ascending")]
        parts = parts.take(pc.sort_indices(parts, sort_keys=keys)).combine_chunks()
        entity = parts.column("rf_entity").to_numpy(zero_copy_only=False)
        starts = np.flatnonzero(np.r_[True, entity[1:] != entity[:-1]])
        part_index = pd.Index(entity[starts])
        return cls(
            rows, index, positions, parts, part_index, np.r_[starts, len(entity)].astype(np.int64)
        )

    def get(self, entity_ids: Iterable[str], parts_key: str) -> list[dict[str, Any]]:
        """The rows of ``entity_ids`` (unknown ids left out), each with its per-owner parts
        under ``parts_key`` ({organisation → that organisation's own values})."""
        wanted = list(dict.fromkeys(entity_ids))
        if not wanted:
            return []
        at = self.index.get_indexer(wanted)
        known = [i for i, a in zip(wanted, at, strict=True) if a >= 0]
        take = pa.array(self.positions[at[at >= 0]], pa.int64())
        rows: list[dict[str, Any]] = self.rows.take(take).to_pylist()
        parts = self._parts_of(known)
        for entity_id, row in zip(known, rows, strict=True):
            row[parts_key] = parts.get(entity_id, {})
        return rows

    def _parts_of(self, entity_ids: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
        """Entity id → {organisation → its own values} for those of ``entity_ids`` with parts."""
        if not entity_ids or not len(self.part_index):
            return {}
        at = self.part_index.get_indexer(entity_ids)
        ranges = [np.arange(self.part_starts[a], self.part_starts[a + 1]) for a in at[at >= 0]]
        if not ranges:
            return {}
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for row in self.parts.take(pa.array(np.concatenate(ranges), pa.int64())).to_pylist():
            entity = str(row.pop("rf_entity"))
            out.setdefault(entity, {})[str(row.pop("rf_organisation"))] = row
        return out


@dataclass
class RiskTable:
    """Every row of the ``network_risk`` dataset (risk, nearest seed, hops, path), by entity."""

    rows: pa.Table
    index: pd.Index
    positions: np.ndarray

    @classmethod
    def load(cls, settings: Settings) -> RiskTable:
        """Read the ``network_risk`` dataset (empty before ``ringfence network risk`` ran)."""
        rows = _read(Lake(settings), "network_risk")
        if rows is None:
            rows = pa.table({"entity_id": pa.array([], pa.string())})
        index, positions = _first_positions(rows.column("entity_id"))
        return cls(rows, index, positions)

    def get(self, entity_id: str) -> dict[str, Any] | None:
        """The entity's row, or None when it has none."""
        at = self.index.get_indexer([entity_id])[0]
        if at < 0:
            return None
        row: dict[str, Any] = self.rows.slice(int(self.positions[at]), 1).to_pylist()[0]
        return row

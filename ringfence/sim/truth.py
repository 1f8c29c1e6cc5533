"""Ground truth collected while feeds are written, saved as Parquet under ``truth/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.sim.writers import write_parquet


def _arr(values: pa.Array | np.ndarray | list | str, n: int) -> pa.Array:
    if isinstance(values, str):
        return pa.repeat(pa.scalar(values, pa.string()), n)
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    return values if isinstance(values, pa.Array) else pa.array(values)


@dataclass
class TruthLog:
    """Accumulates truth tables; ``save`` writes them."""

    tables: dict[str, list[pa.Table]] = field(default_factory=dict)

    def add(self, name: str, table: pa.Table) -> None:
        """Append rows to truth table ``name``."""
        self.tables.setdefault(name, []).append(table)

    def mentions(self, organisation: str, feed: str, role: str, keys: pa.Array,
                 entity: pa.Array, ring: pa.Array) -> None:
        """Party mentions: a source key in a partner's feed and the entity it really is."""
        n = len(keys)
        self.add("parties", pa.table({
            "organisation": _arr(organisation, n), "feed": _arr(feed, n), "role": _arr(role, n),
            "source_key": _arr(keys, n),
            "mention_key": pc.binary_join_element_wise(f"{role}:", _arr(keys, n), ""),
            "entity_id": _arr(entity, n),
            "ring_id": _arr(ring, n).cast(pa.string()),
        }))

    def malformed(self, organisation: str, feed: str, path: str, keys: pa.Array,
                  rows: np.ndarray, fields: list[str] | np.ndarray,
                  problems: list[str] | np.ndarray) -> None:
        """Rows broken on purpose: which row, which canonical field, what is wrong."""
        n = len(rows)
        self.add("malformed", pa.table({
            "organisation": _arr(organisation, n), "feed": _arr(feed, n), "path": _arr(path, n),
            "source_key": _arr(keys, n).cast(pa.string()),
            "row": pa.array(np.asarray(rows, dtype=np.int64) + 1),
            "field": pa.array(list(fields), pa.string()),
            "problem": pa.array(list(problems), pa.string()),
        }))

    def save(self, out_dir: Path) -> dict[str, int]:
        """Write every table (mentions de-duplicated); returns rows per table."""
        counts = {}
        for name, parts in sorted(self.tables.items()):
            table = pa.concat_tables(parts, promote_options="default")
            if name == "parties":
                table = _distinct(table)
            write_parquet(table, out_dir / f"{name}.parquet")
            counts[name] = table.num_rows
        return counts


def _distinct(table: pa.Table) -> pa.Table:
    """First row of each (organisation, feed, role, source_key), in first-seen order."""
    keys = ["organisation", "feed", "role", "source_key"]
    idx = table.append_column("_i", pa.array(np.arange(table.num_rows)))
    first = idx.group_by(keys, use_threads=False).aggregate([("_i", "min")])
    order = pc.sort_indices(first["_i_min"])
    return table.take(pc.take(first["_i_min"], order))

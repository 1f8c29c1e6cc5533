"""The analytical store's layout: one folder of Parquet files per dataset in the data directory.

Datasets are append-only sets of part files; a part is written whole to a temporary name and then
renamed, so a reader never sees half a file and an interrupted ingest leaves nothing behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ringfence.settings import Settings
from ringfence.store.engine import Engine
from ringfence.store.leftovers import owned_name


class Lake:
    """Parquet datasets under ``settings.lake_dir``: feeds by name, plus ``quarantine``."""

    def __init__(self, settings: Settings) -> None:
        self.root = settings.lake_dir

    def dataset_dir(self, dataset: str) -> Path:
        """Folder of a dataset (created on demand)."""
        path = self.root / dataset
        path.mkdir(parents=True, exist_ok=True)
        return path

    def parts(self, dataset: str) -> list[Path]:
        """The dataset's committed part files, oldest first."""
        folder = self.root / dataset
        if not folder.is_dir():
            return []
        return sorted(folder.glob("part-*.parquet"))

    def has(self, dataset: str) -> bool:
        return bool(self.parts(dataset))

    def new_part_path(self, dataset: str) -> Path:
        """A fresh, not yet committed part path (commit it with ``commit_part``)."""
        return self.dataset_dir(dataset) / (owned_name(".tmp-") + ".parquet")

    def commit_part(self, tmp_path: Path, label: str) -> Path:
        """Atomically publish a written temporary part under a sortable name."""
        final = tmp_path.parent / f"part-{_sortable_stamp()}-{label}.parquet"
        os.replace(tmp_path, final)
        return final

    def write_table(self, dataset: str, table: pa.Table, label: str) -> Path | None:
        """Write an Arrow table as one new part; nothing is written for an empty table."""
        if table.num_rows == 0:
            return None
        tmp = self.new_part_path(dataset)
        pq.write_table(table, tmp, compression="zstd")
        return self.commit_part(tmp, label)

    def register(self, engine: Engine, dataset: str, schema: pa.Schema | None = None) -> bool:
        """Bind ``dataset`` in the engine; an empty table of ``schema`` if it has no parts yet.

        Returns whether the dataset had data.
        """
        parts = self.parts(dataset)
        if parts:
            engine.register_parquet(dataset, parts)
            return True
        if schema is not None:
            engine.register_arrow(dataset, schema.empty_table())
        return False

    def row_count(self, dataset: str) -> int:
        """Rows in a dataset, from Parquet footers (no data read)."""
        return sum(pq.ParquetFile(p).metadata.num_rows for p in self.parts(dataset))


def _sortable_stamp() -> str:
    import time

    return f"{time.time_ns():020d}"

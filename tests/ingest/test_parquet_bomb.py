"""The Parquet "dictionary bomb", as the attacker built it: a 0.3 MB file whose ``name`` column's
dictionary holds one 1 MiB string that 200,000 rows point to. Its metadata is honest — 1 MiB
uncompressed — yet decoded it is 195 GiB, and the reader asked for 100 GiB for its first batch.
Now the rows' decoded size is counted on the dictionary before anything is decoded: the ingest
fails with the limit, in little memory, and honest dictionary-encoded files read as before."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ringfence.errors import LimitError
from ringfence.ingest import parquet_source
from ringfence.ingest.limits import InputLimits
from ringfence.ingest.mapping import FormatOptions
from ringfence.ingest.readers import open_source

ROWS = 200_000


def dictionary_bomb(path: Path, value_bytes: int = 1 << 20, rows: int = ROWS) -> int:
    """A Parquet parties file whose every ``name`` is one long dictionary value; returns the
    decoded size of that column."""
    indices = pa.array([0] * rows, pa.int32())
    keys = pa.array([f"p{i}" for i in range(rows)])
    name = pa.DictionaryArray.from_arrays(indices, pa.array(["N" * value_bytes]))
    pq.write_table(pa.table({"party_id": keys, "name": name}), path, compression="zstd",
                   row_group_size=rows)  # fmt: skip
    return rows * value_bytes


ATTACK = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # 3 GiB: a 100 GiB batch cannot hide
from pathlib import Path
from ringfence.ingest import ingest_files
from ringfence.settings import Settings
try:
    ingest_files(Settings(), "parties", [Path(sys.argv[1])], organisation="acme")
except Exception as exc:
    print(type(exc).__name__, exc)
else:
    print("read it all")
"""


def test_dictionary_bomb_fails_the_ingest_with_the_limit_in_little_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "parties.parquet"
    decoded = dictionary_bomb(path)
    assert path.stat().st_size < 1_000_000 and decoded > 100 << 30  # 0.3 MB → 195 GiB
    meta = pq.ParquetFile(path).metadata
    assert meta.row_group(0).total_byte_size < 8 << 20  # the metadata's sizes pass the limit
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(tmp_path / "data"))
    done = subprocess.run(
        [sys.executable, "-c", ATTACK, str(path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.stdout.startswith("LimitError"), done.stdout + done.stderr
    assert "parties.parquet" in done.stdout and "RINGFENCE_MAX_DECOMPRESSED_BYTES" in done.stdout


def test_row_limit_from_the_metadata_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "parties.parquet"
    dictionary_bomb(path, value_bytes=8, rows=5_000)
    with pytest.raises(LimitError, match="RINGFENCE_MAX_ROWS"):
        open_source(path, FormatOptions(), 1_000, InputLimits(rows=4_000))


def test_dictionary_columns_read_whole_in_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dictionary-encoded text, lists of it and numbers read as before, also when a batch is
    decoded in several slices (row numbers continue across them)."""
    monkeypatch.setattr(parquet_source, "SLICE_BYTES", 4_000)
    rows = 3_000
    table = pa.table({
        "party_id": [f"p{i}" for i in range(rows)],
        "name": [["Acme", "Bolt", None][i % 3] for i in range(rows)],
        "phones": [["+31 1", "+31 2"] if i % 2 else [] for i in range(rows)],
        "units": list(range(rows)),
    })  # fmt: skip
    path = tmp_path / "honest.parquet"
    pq.write_table(table, path, row_group_size=1_000)
    source = open_source(path, FormatOptions(), 1_000, InputLimits(decompressed_bytes=1 << 30))
    batches = list(source.batches())
    assert len(batches) > 3  # sliced
    got = pa.concat_tables([b.table for b in batches])
    numbers = pa.concat_arrays([b.rows for b in batches]).to_pylist()
    assert numbers == list(range(1, rows + 1))
    assert got.column("name").to_pylist() == table.column("name").to_pylist()
    assert got.column("phones").to_pylist()[:2] == ["", "+31 1;+31 2"]
    assert got.column("units").to_pylist()[-1] == str(rows - 1)
    with pytest.raises(LimitError, match="RINGFENCE_MAX_DECOMPRESSED_BYTES"):
        list(open_source(path, FormatOptions(), 1_000, InputLimits(decompressed_bytes=40_000))
             .batches())  # fmt: skip

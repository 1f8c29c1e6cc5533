"""Limits on one ingested file, probed as an attacker would: a gzip bomb, one endless line, too
many rows. Each stops with one clear error naming the file and the setting, after reading little
more than the limit (counted in decompressed bytes, not guessed from memory use)."""

from __future__ import annotations

import gzip
import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence.errors import LimitError
from ringfence.ingest import ingest_files
from ringfence.ingest import limits as limits_module
from ringfence.ingest.limits import InputLimits, LimitedStream
from ringfence.ingest.mapping import FormatOptions
from ringfence.ingest.readers import open_source
from ringfence.settings import Settings

CHUNK = 1 << 24  # 16 MiB of zeros per deflate block run


def gzip_bomb(path: Path, head: bytes, chunks: int) -> int:
    """A gzip file of ``head`` then ``chunks`` × 16 MiB of zeros (about 16 KB per chunk on disk).

    Every zero chunk compresses to the same bytes after a full flush, so the file is built by
    repeating them rather than compressing a gigabyte; the trailer's CRC and size are the true
    ones, so it is a valid gzip file. Returns the decompressed size.
    """
    zeros = bytes(CHUNK)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush()[:-8]
    crc = zlib.crc32(head)
    for _ in range(chunks):
        crc = zlib.crc32(zeros, crc)
    size = len(head) + chunks * CHUNK
    with path.open("wb") as out:
        out.write(start)
        for _ in range(chunks):
            out.write(block)
        out.write(end + struct.pack("<II", crc, size & 0xFFFFFFFF))
    return size


@pytest.fixture
def most_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The most decompressed bytes any ``LimitedStream`` handed out during the test."""
    seen = [0]
    original = LimitedStream._count

    def counting(self: LimitedStream, data: bytes) -> None:
        try:
            original(self, data)
        finally:
            seen[0] = max(seen[0], self.bytes_read)

    monkeypatch.setattr(limits_module.LimitedStream, "_count", counting)
    yield seen


def _read_all(path: Path, limits: InputLimits, fmt: FormatOptions | None = None) -> int:
    source = open_source(path, fmt or FormatOptions(), 1_000, limits)
    return sum(batch.rows_read for batch in source.batches())


def test_small_gzip_bomb_is_valid_and_stops_at_the_line_limit(
    tmp_path: Path, most_read: list[int]
) -> None:
    path = tmp_path / "zeros.csv.gz"
    size = gzip_bomb(path, b"a,b\n1,2\n", chunks=64)
    assert path.stat().st_size < 1_100_000 and size > 1_000_000_000  # 1 MB → 1 GiB
    with gzip.open(path) as check:  # a real gzip file: its start reads back
        assert check.read(8) == b"a,b\n1,2\n"
    limits = InputLimits.from_settings(Settings())
    with pytest.raises(LimitError) as caught:
        _read_all(path, limits)
    message = caught.value.message
    assert "zeros.csv.gz" in message and "RINGFENCE_MAX_LINE_BYTES" in message
    assert str(tmp_path) not in message
    # Bounded by the limit plus one read block (Arrow reads up to 8 MiB ahead), not by the file.
    assert most_read[0] <= limits.line_bytes + (9 << 20)  # type: ignore[operator]


def test_decompressed_size_limit_with_line_breaks(tmp_path: Path, most_read: list[int]) -> None:
    path = tmp_path / "many.csv.gz"
    rows = b"a,b\n" + b"1,2\n" * 200_000  # 800 KB of short rows, well-formed
    path.write_bytes(gzip.compress(rows))
    limits = InputLimits(decompressed_bytes=100_000, line_bytes=1 << 20)
    with pytest.raises(LimitError, match="RINGFENCE_MAX_DECOMPRESSED_BYTES"):
        _read_all(path, limits)
    assert most_read[0] <= 100_000 + (9 << 20)
    assert _read_all(path, InputLimits(decompressed_bytes=len(rows))) == 200_000


def test_jsonl_bomb_stops_at_the_line_limit(tmp_path: Path, most_read: list[int]) -> None:
    path = tmp_path / "zeros.jsonl.gz"
    gzip_bomb(path, b'{"a": "1"}\n', chunks=8)
    with pytest.raises(LimitError, match="RINGFENCE_MAX_LINE_BYTES"):
        _read_all(path, InputLimits(line_bytes=1 << 20))
    assert most_read[0] <= (1 << 20) + (1 << 20)


def test_one_long_line_in_a_plain_csv(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes(b"a,b\n1,2\n" + b"x" * 300_000 + b",3\n4,5\n")
    with pytest.raises(LimitError) as caught:
        _read_all(path, InputLimits(line_bytes=100_000))
    assert "long.csv: a line is longer than 100000 bytes" in caught.value.message
    assert _read_all(path, InputLimits(line_bytes=400_000)) == 3


def test_row_limit(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("a,b\n" + "1,2\n" * 5_000)
    with pytest.raises(LimitError, match="more than 4000 rows"):
        _read_all(path, InputLimits(rows=4_000))
    assert _read_all(path, InputLimits(rows=5_000)) == 5_000


def test_parquet_file_larger_than_the_limit(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"a": [str(i) for i in range(10_000)]}), path)
    with pytest.raises(LimitError, match=r"big\.parquet"):
        open_source(path, FormatOptions(), 1_000, InputLimits(decompressed_bytes=1_024))
    # A Parquet bomb: small on disk (one repeated value compresses away), large unpacked.
    bomb = tmp_path / "bomb.parquet"
    pq.write_table(pa.table({"a": ["x" * 10_000] * 2_000}), bomb, compression="zstd")
    on_disk = bomb.stat().st_size
    assert on_disk < 200_000
    with pytest.raises(LimitError, match="once decompressed"):
        open_source(bomb, FormatOptions(), 1_000, InputLimits(decompressed_bytes=on_disk * 10))


def test_ingest_of_a_gzip_bomb_fails_cleanly_and_leaves_no_staging(
    ingest_settings: Settings, tmp_path: Path, cli: Any
) -> None:
    """Through the whole ingest: one error, nothing written, no staging folder left."""
    path = tmp_path / "shipments.csv.gz"
    gzip_bomb(path, b"shipment_id,date\ns1,2024-01-01\n", chunks=16)
    with pytest.raises(LimitError, match="RINGFENCE_MAX_LINE_BYTES"):
        ingest_files(ingest_settings, "shipments", [path], organisation="acme")
    staging = ingest_settings.data_dir / "tmp"
    assert not staging.exists() or not any(staging.glob("ingest-*"))
    result = cli("ingest", "shipments", path, "--org", "acme")
    assert result.exit_code == 2
    assert "RINGFENCE_MAX_LINE_BYTES" in result.output and "Traceback" not in result.output


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.integers(0, 300), min_size=1, max_size=40),
    cuts=st.lists(st.integers(1, 2_000), max_size=8),
    limit=st.integers(1, 200),
)
def test_line_limit_matches_a_plain_count(lines: list[int], cuts: list[int], limit: int) -> None:
    """However the stream is cut into reads, the limit trips exactly when a line is too long."""
    data = b"\n".join(b"x" * n for n in lines)
    stream = LimitedStream(io.BytesIO(data), InputLimits(line_bytes=limit), "f.csv")
    tripped = False
    try:
        for size in [*cuts, len(data) + 1]:
            stream.read(size)
    except LimitError:
        tripped = True
    assert tripped == (max(lines) > limit)

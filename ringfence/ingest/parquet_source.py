"""Parquet in row batches, under the limits, without ever decoding more than they allow.

A Parquet file can be a "dictionary bomb": a column whose dictionary holds one long string that
every row points to. The file is a few kilobytes, its metadata's uncompressed sizes are honest and
small (the dictionary once, run-length-encoded indices), yet decoded to plain strings a batch of
rows is gigabytes. So the reader

- checks the metadata before reading: rows (``RINGFENCE_MAX_ROWS``) and uncompressed sizes
  (``RINGFENCE_MAX_DECOMPRESSED_BYTES``);
- reads every text column as dictionary-encoded arrays (indices plus the values once), counts
  the bytes the rows would take once decoded, and fails with ``LimitError`` when the file's
  total passes ``RINGFENCE_MAX_DECOMPRESSED_BYTES`` — before decoding them;
- decodes a batch in slices of at most ``SLICE_BYTES``, so memory stays about one slice.

Columns written with prefix-delta encoding (``DELTA_BYTE_ARRAY``, where a value is built from the
previous one) cannot be read as dictionaries; they are read in batches small enough that even
values as long as the column's whole uncompressed size stay within ``SLICE_BYTES``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ringfence.errors import InputFileError, LimitError
from ringfence.ingest.limits import NO_LIMITS, InputLimits
from ringfence.ingest.source import RawBatch, Source, empty_table, rest_unreadable

SLICE_BYTES = 64 << 20
"""Most decoded bytes of text one yielded batch holds (smaller batches past it)."""
_TEXT = ("BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY")
_PREFIX_DELTA = "DELTA_BYTE_ARRAY"
_DICTIONARY = {"PLAIN_DICTIONARY", "RLE_DICTIONARY"}


class ParquetSource(Source):
    """Parquet in row batches; non-string columns are rendered as text so all values clean alike."""

    def __init__(self, path: Path, batch_rows: int, limits: InputLimits = NO_LIMITS) -> None:
        self.path, self.batch_rows, self.limits = path, batch_rows, limits
        limit = limits.decompressed_bytes
        if limit is not None and path.stat().st_size > limit:
            raise _too_big(path, limit)
        try:
            meta = pq.ParquetFile(str(path)).metadata
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputFileError(f"not a readable Parquet file ({exc})", file=str(path)) from None
        _check_metadata(path, meta, limits)
        as_dictionary, longest_delta = _text_columns(meta)
        if longest_delta:  # a value can be as long as the column's whole uncompressed size
            self.batch_rows = max(1, min(batch_rows, SLICE_BYTES // longest_delta))
        try:
            self._file = pq.ParquetFile(str(path), read_dictionary=as_dictionary)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputFileError(f"not a readable Parquet file ({exc})", file=str(path)) from None
        self.columns = list(self._file.schema_arrow.names)

    def batches(self) -> Iterator[RawBatch]:
        next_row, decoded = 1, 0
        limit = self.limits.decompressed_bytes
        try:
            for batch in self._file.iter_batches(batch_size=self.batch_rows):
                size = decoded_bytes(batch)
                decoded += size
                if limit is not None and decoded > limit:
                    raise _too_big(self.path, limit)
                for piece in _slices(batch, size):
                    table = pa.table({n: _as_text(piece.column(n)) for n in piece.schema.names})
                    rows = pa.array(np.arange(next_row, next_row + piece.num_rows), pa.int64())
                    next_row += piece.num_rows
                    yield RawBatch(table, rows)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
            yield RawBatch(empty_table(self.columns or []), pa.array([], pa.int64()),
                           [rest_unreadable(next_row, exc)])  # fmt: skip


def _check_metadata(path: Path, meta: pq.FileMetaData, limits: InputLimits) -> None:
    """Rows and uncompressed sizes as the writer recorded them, against the limits."""
    if limits.rows is not None and meta.num_rows > limits.rows:
        raise LimitError(
            f"{path.name}: the file has more than {limits.rows} rows (limit RINGFENCE_MAX_ROWS); "
            "split it or raise the limit"
        )
    limit = limits.decompressed_bytes
    groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    unpacked = max(
        sum(g.total_byte_size for g in groups),
        sum(g.column(c).total_uncompressed_size for g in groups for c in range(g.num_columns)),
    )
    if limit is not None and unpacked > limit:
        raise _too_big(path, limit)


def _text_columns(meta: pq.FileMetaData) -> tuple[list[str], int]:
    """Paths of the dictionary-encoded text columns (to read as dictionaries), and the largest
    uncompressed size of a column chunk written with prefix-delta encoding (0 if none).

    Plainly encoded text decodes to about its uncompressed size, which the metadata check
    bounds, so it is read as it is (reading it as a dictionary would only cost hashing).
    """
    delta: dict[str, int] = {}
    encoded: set[str] = set()
    for g in (meta.row_group(i) for i in range(meta.num_row_groups)):
        for c in (g.column(j) for j in range(g.num_columns)):
            if _PREFIX_DELTA in c.encodings:
                delta[c.path_in_schema] = max(delta.get(c.path_in_schema, 0),
                                              c.total_uncompressed_size)  # fmt: skip
            if c.has_dictionary_page or set(c.encodings) & _DICTIONARY:
                encoded.add(c.path_in_schema)
    schema = meta.schema
    paths = [schema.column(i).path for i in range(len(schema))
             if schema.column(i).physical_type in _TEXT]  # fmt: skip
    chosen = [p for p in paths if p in encoded and p not in delta]
    return chosen, max(delta.values(), default=0)


def decoded_bytes(data: pa.RecordBatch | pa.Array) -> int:
    """Bytes ``data`` takes once every dictionary is decoded, counted without decoding."""
    if isinstance(data, pa.RecordBatch):
        return sum(decoded_bytes(column) for column in data.columns)
    if isinstance(data, pa.DictionaryArray):
        values, indices = data.dictionary, data.indices
        width = 4 * len(indices)
        if (
            pa.types.is_binary(values.type)
            or pa.types.is_string(values.type)
            or (pa.types.is_large_binary(values.type) or pa.types.is_large_string(values.type))
        ):
            lengths = pc.binary_length(values).fill_null(0)
            return width + int(pc.sum(pc.take(lengths, indices)).as_py() or 0)
        each = decoded_bytes(values) / max(1, len(values))
        return width + int(each * len(indices))
    if isinstance(data, (pa.ListArray, pa.LargeListArray)):
        return 8 * len(data) + decoded_bytes(data.flatten())
    if isinstance(data, pa.StructArray):
        return sum(decoded_bytes(field) for field in data.flatten())
    return int(data.nbytes)


def _slices(batch: pa.RecordBatch, size: int) -> Iterator[pa.RecordBatch]:
    """``batch`` in slices of about ``SLICE_BYTES`` decoded bytes each (at least one row)."""
    if size <= SLICE_BYTES or batch.num_rows <= 1:
        yield batch
        return
    step = max(1, batch.num_rows * SLICE_BYTES // size)
    for start in range(0, batch.num_rows, step):
        yield batch.slice(start, step)


def _too_big(path: Path, limit: int) -> LimitError:
    return LimitError(f"{path.name}: the file holds more than {limit} bytes once decompressed "
                      "(limit RINGFENCE_MAX_DECOMPRESSED_BYTES)")  # fmt: skip


def _decoded(values: pa.Array) -> pa.Array:
    """``values`` with dictionaries (also inside lists) replaced by their values."""
    kind = values.type
    if pa.types.is_dictionary(kind):
        return values.cast(kind.value_type)
    if (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and pa.types.is_dictionary(
        kind.value_type
    ):
        return values.cast(pa.list_(kind.value_type.value_type))
    return values


def _as_text(values: pa.Array) -> pa.Array:
    """A column of any type as strings: lists joined with ';', others cast or JSON-encoded."""
    values = _decoded(values)
    kind = values.type
    if pa.types.is_string(kind):
        return values
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        try:
            return pc.binary_join(values.cast(pa.list_(pa.string())), ";")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    try:
        return values.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([None if v is None else json.dumps(v, default=str)
                         for v in values.to_pylist()], pa.string())  # fmt: skip

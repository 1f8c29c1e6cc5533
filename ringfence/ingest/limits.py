"""Limits on what one ingested file may make the reader hold: decompressed bytes, line length, rows.

A gzip file of zeros a megabyte long decompresses to a gigabyte in one "line"; without limits the
CSV reader's fallback would hold that line whole. Every reader therefore reads its file through a
:class:`LimitedStream`, which counts the decompressed bytes and the bytes since the last newline as
they stream past and stops the read (``LimitError``, naming the file and the setting) the moment
either passes its limit, so memory never grows past about one read block plus one line.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ringfence.errors import LimitError

if TYPE_CHECKING:
    from ringfence.ingest.source import RawBatch
    from ringfence.settings import Settings


@dataclass(frozen=True)
class InputLimits:
    """How much of one file a reader accepts; None means no limit."""

    decompressed_bytes: int | None = None
    line_bytes: int | None = None
    rows: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> InputLimits:
        """The limits ``RINGFENCE_MAX_DECOMPRESSED_BYTES``, ``_LINE_BYTES`` and ``_ROWS`` set."""
        return cls(settings.max_decompressed_bytes, settings.max_line_bytes, settings.max_rows)


NO_LIMITS = InputLimits()


class LimitedStream(io.RawIOBase):
    """A readable binary stream that counts what passes and refuses more than the limits allow.

    ``bytes_read`` is the number of (decompressed) bytes handed to the reader so far.
    """

    def __init__(self, raw: Any, limits: InputLimits, file: str) -> None:
        super().__init__()
        self._raw, self._limits, self._file = raw, limits, file
        self.bytes_read = 0
        self._line = 0  # bytes since the last newline

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = bytes(self._raw.read(-1 if size is None else size))
        self._count(data)
        return data

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()

    def _count(self, data: bytes) -> None:
        self.bytes_read += len(data)
        limit = self._limits.decompressed_bytes
        if limit is not None and self.bytes_read > limit:
            raise LimitError(
                f"{self._file}: the file holds more than {limit} bytes once decompressed "
                "(limit RINGFENCE_MAX_DECOMPRESSED_BYTES); split it or raise the limit"
            )
        if self._limits.line_bytes is not None and data:
            self._check_lines(data, self._limits.line_bytes)

    def _check_lines(self, data: bytes, limit: int) -> None:
        first = data.find(b"\n")
        if first < 0:
            self._line += len(data)
            longest = self._line
        else:
            last = data.rfind(b"\n")
            longest = max(self._line + first, _longest_inner_line(data, first, last, limit))
            self._line = len(data) - last - 1
            longest = max(longest, self._line)
        if longest > limit:
            raise LimitError(
                f"{self._file}: a line is longer than {limit} bytes (limit "
                "RINGFENCE_MAX_LINE_BYTES); is it the right file, with line breaks?"
            )


def _longest_inner_line(data: bytes, first: int, last: int, limit: int) -> int:
    """The longest line between the first and last newline of ``data``, or 0 if none can be
    longer than ``limit``.

    A line longer than ``limit`` holds a whole slice of ``limit // 2`` bytes of the grid that
    starts at ``first``, so when every slice holds a newline (a few ``find`` calls per block),
    no line is too long; only otherwise are the newlines located one by one.
    """
    step = max(1, limit // 2)
    if (last - first) // step <= 64:
        starts = range(first + 1, last, step)
        if all(data.find(b"\n", start, start + step) >= 0 for start in starts):
            return 0
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8, count=last + 1) == 0x0A)
    return int(np.diff(newlines).max()) - 1 if newlines.size > 1 else 0


def open_limited(path: Path, limits: InputLimits) -> LimitedStream:
    """``path`` opened for reading, decompressed if it ends in ``.gz``, under ``limits``."""
    raw = pa.input_stream(str(path), compression="detect")
    return LimitedStream(raw, limits, path.name)


def check_rows(batches: Iterator[RawBatch], limits: InputLimits, file: str) -> Iterator[RawBatch]:
    """``batches`` unchanged, failing with ``LimitError`` once they hold more than the row limit."""
    rows = 0
    for batch in batches:
        rows += batch.rows_read
        if limits.rows is not None and rows > limits.rows:
            raise LimitError(
                f"{file}: the file has more than {limits.rows} rows (limit RINGFENCE_MAX_ROWS); "
                "split it or raise the limit"
            )
        yield batch

"""Input limits benchmark: what counting decompressed bytes and line lengths costs, and how
early a gzip bomb stops.

    .venv/bin/python bench/limits.py [--rows 1000000] [--bomb-gib 1] [--repeat 3]

1. Reads a generated CSV (``--rows`` rows of 8 columns, plain and gzipped) through the ingest
   readers as they were before limits (Arrow's own stream, no counting) and with the default
   limits (``Settings()``), best of ``--repeat``; the overhead is the ratio of the two.
2. Reads a gzip bomb (a header, then ``--bomb-gib`` GiB of zeros, about 1 MB per GiB on disk)
   under the default limits: seconds until the ``LimitError`` and decompressed bytes read.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyarrow as pa

from ringfence.errors import LimitError
from ringfence.ingest import csv_source
from ringfence.ingest import limits as limits_module
from ringfence.ingest.limits import NO_LIMITS, InputLimits
from ringfence.ingest.mapping import FormatOptions
from ringfence.ingest.readers import open_source
from ringfence.settings import Settings
from tests.ingest.test_limits import gzip_bomb


def _csv(path: Path, rows: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as out:
        out.write("id,date,name,street,city,country,weight,value\n")
        for i in range(rows):
            out.write(
                f"s{i},2024-{1 + i % 12:02d}-{1 + i % 28:02d},Trading Co {rng.randrange(10**6)},"
                f"{rng.randrange(999)} Harbour Road,Rotterdam,NL,{rng.random() * 50:.3f},"
                f"{rng.random() * 5000:.2f}\n"
            )


def _native(path: Path, limits: InputLimits) -> object:
    """The stream the CSV reader opened before limits existed."""
    return pa.input_stream(str(path), compression="detect")


def _read_seconds(path: Path, limits: InputLimits, repeat: int, native: bool = False) -> float:
    counted = csv_source.open_limited
    if native:
        csv_source.open_limited = _native  # type: ignore[assignment]
    try:
        return _best_of(path, limits, repeat)
    finally:
        csv_source.open_limited = counted


def _best_of(path: Path, limits: InputLimits, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        source = open_source(path, FormatOptions(), 100_000, limits)
        rows = sum(batch.rows_read for batch in source.batches())
        best = min(best, time.perf_counter() - start)
    assert rows > 0
    return round(best, 3)


def _bomb(folder: Path, gib: int) -> dict[str, object]:
    path = folder / "zeros.csv.gz"
    size = gzip_bomb(path, b"a,b\n1,2\n", chunks=64 * gib)
    read = [0]
    original = limits_module.LimitedStream._count

    def counting(self: limits_module.LimitedStream, data: bytes) -> None:
        try:
            original(self, data)
        finally:
            read[0] = max(read[0], self.bytes_read)

    limits_module.LimitedStream._count = counting  # type: ignore[method-assign]
    start = time.perf_counter()
    try:
        source = open_source(path, FormatOptions(), 100_000, InputLimits.from_settings(Settings()))
        sum(batch.rows_read for batch in source.batches())
        stopped = "not stopped"
    except LimitError as exc:
        stopped = exc.message
    finally:
        limits_module.LimitedStream._count = original  # type: ignore[method-assign]
    return {
        "file_bytes": path.stat().st_size,
        "decompressed_bytes": size,
        "bytes_read_before_stop": read[0],
        "seconds_to_stop": round(time.perf_counter() - start, 3),
        "error": stopped,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bomb-gib", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    defaults = InputLimits.from_settings(Settings())
    result: dict[str, object] = {"rows": args.rows, "limits": defaults.__dict__}
    with tempfile.TemporaryDirectory(prefix="ringfence-bench-limits-") as tmp:
        folder = Path(tmp)
        plain = folder / "rows.csv"
        _csv(plain, args.rows)
        zipped = folder / "rows.csv.gz"
        zipped.write_bytes(gzip.compress(plain.read_bytes(), compresslevel=1))
        for name, path in (("csv", plain), ("csv_gz", zipped)):
            free = _read_seconds(path, NO_LIMITS, args.repeat, native=True)
            limited = _read_seconds(path, defaults, args.repeat)
            result[name] = {
                "file_bytes": path.stat().st_size,
                "seconds_before_limits": free,
                "seconds_default_limits": limited,
                "overhead": round(limited / free, 3),
            }
        result["gzip_bomb"] = _bomb(folder, args.bomb_gib)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

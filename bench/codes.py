"""Signed unit codes benchmark: issue and verify rates, code length and QR payload size.

    nice .venv/bin/python bench/codes.py [--count 20000] [--repeat 3]

Issues ``--count`` codes for one GTIN with a fresh key (best of ``--repeat`` runs, one core),
verifies them all, and verifies as many tampered codes (one character changed each: every one
must be rejected). Also reports the code length in characters and the bits it takes in a QR
code's byte mode (4-bit mode, 8-bit count, 8 bits a character). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import machine
from ringfence.codes import format as code_format
from ringfence.codes import keys

GTIN = "4006381333931"
T = TypeVar("T")


def _best(repeat: int, run: Callable[[], T]) -> tuple[float, T]:
    """Seconds of the fastest of ``repeat`` runs, and its result."""
    timed = []
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        result = run()
        timed.append(time.perf_counter() - started)
    return min(timed), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        keys.keygen("Bench", Path(folder) / "k", Path(folder) / "p")
        private, public = (
            keys.load_private(Path(folder) / "k"),
            keys.load_public(Path(folder) / "p"),
        )
    issue_s, codes = _best(args.repeat, lambda: code_format.issue(private, GTIN, args.count))
    verify_s, checks = _best(args.repeat, lambda: [code_format.verify(c, public) for c in codes])
    tampered = [c[:50] + ("A" if c[50] != "A" else "B") + c[51:] for c in codes]
    reject_s, rejected = _best(
        args.repeat, lambda: [code_format.verify(c, public) for c in tampered]
    )
    length = {len(c) for c in codes}
    print(json.dumps({
        "count": args.count,
        "issue_codes_per_s": round(args.count / issue_s),
        "verify_codes_per_s": round(args.count / verify_s),
        "reject_tampered_per_s": round(args.count / reject_s),
        "all_valid": all(c.valid for c in checks),
        "tampered_accepted": sum(c.valid for c in rejected),
        "code_chars": sorted(length),
        "code_bytes": code_format.CODE_BYTES,
        "signature_bytes": code_format.SIGNATURE_BYTES,
        "qr_byte_mode_bits": [4 + 8 + 8 * n for n in sorted(length)],
        "load_average": os.getloadavg(),
        "machine": machine(),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()

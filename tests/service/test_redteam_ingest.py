"""Red team F5, as the attacker ran it: a file with no line break at all (2 MiB of ``A``, a gzip
of zeros) ended ``done`` with "0 accepted" and the warning "empty file", because the CSV reader
took "no line in the first block" for "no data"; the same bytes after a header line failed with
the line-length limit."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from ringfence.errors import LimitError
from ringfence.ingest import ingest_files
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore


@pytest.mark.parametrize(
    ("name", "body"),
    [("a2m.csv", b"A" * (2 << 20)), ("zeros.csv.gz", gzip.compress(b"\0" * (4 << 20)))],
)
def test_a_file_without_line_breaks_fails_with_the_line_limit(
    settings: Settings, tmp_path: Path, name: str, body: bytes
) -> None:
    with OperationalStore.open(settings) as store:
        store.ensure_organisation("swiftpost")
    path = tmp_path / name
    path.write_bytes(body)
    with pytest.raises(LimitError, match=r"a line is longer than .*RINGFENCE_MAX_LINE_BYTES"):
        ingest_files(settings, "shipments", [path], organisation="swiftpost")


def test_an_empty_file_is_still_just_empty(settings: Settings, tmp_path: Path) -> None:
    with OperationalStore.open(settings) as store:
        store.ensure_organisation("swiftpost")
    path = tmp_path / "empty.csv"
    path.write_bytes(b"\n\n")
    result = ingest_files(settings, "shipments", [path], organisation="swiftpost")
    assert any("empty file" in w for f in result.files for w in f.warnings)

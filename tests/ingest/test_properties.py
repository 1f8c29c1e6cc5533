"""Property tests: random and malformed rows never crash a reader and no row is ever lost.

For every reader (CSV, gzip CSV, JSON lines, Parquet): ``accepted + quarantined + duplicates ==
rows_read``; every quarantined row has a reason; no row number is both accepted and quarantined.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringfence.errors import UserError
from ringfence.ingest import IngestSummary, ingest_files
from ringfence.settings import Settings
from tests.ingest.conftest import read_dataset

COLUMNS = ["id", "date", "declared_value", "origin_country", "description"]

cells = st.one_of(
    st.sampled_from(["S1", "S2", "2024-01-31", "2024-02-30", "31/01/2024", "12.5", "-3", "1e400",
                     "1,234.5", "abc", "CN", "China", "QQ", "", " ", "  padded  "]),
    st.text(max_size=12),
    st.text(alphabet=st.characters(categories=["Cc", "Cs", "Zs", "So", "Mn"],
                                   exclude_characters="\x00"), max_size=6),
)
good_row = st.tuples(st.sampled_from(["S1", "S2", "S3"]), st.just("2024-01-31"),
                     st.just("12.5"), st.just("CN"), st.text(max_size=8)).map(list)
rows = st.lists(st.one_of(good_row, st.lists(cells, min_size=5, max_size=5),
                          st.lists(cells, min_size=0, max_size=8)), max_size=25)
PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def _csv_bytes(data: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # "\r\n": fields with \r or \n get quoted
    writer.writerow(COLUMNS)
    writer.writerows(data)
    return buffer.getvalue().encode("utf-8", "surrogatepass")


_SHARED_STORE: dict[str, str] = {}


@pytest.fixture(autouse=True, scope="module")
def _one_operational_store(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Runs are not what these tests are about, and migrating a new store per example is slow:
    every example records its runs in one SQLite store."""
    _SHARED_STORE["url"] = f"sqlite:///{tmp_path_factory.mktemp('store') / 'ops.sqlite'}"


def _check(summary: IngestSummary, settings_: Settings) -> None:
    assert summary.rows_read == summary.accepted + summary.quarantined + summary.duplicates
    quarantine = read_dataset(settings_, "quarantine").to_pylist()
    assert all(q["reason"] and q["reason"].strip() for q in quarantine)
    bad_rows = {q["source_row"] for q in quarantine}
    assert len(bad_rows) == summary.quarantined
    accepted = read_dataset(settings_, "shipments")
    good_rows = set(accepted.column("source_row").to_pylist()) if accepted.num_rows else set()
    assert len(good_rows) == summary.accepted
    assert not good_rows & bad_rows
    assert all(1 <= r <= summary.rows_read for r in good_rows | bad_rows)


def _ingest(tmp: Path, name: str, content: bytes) -> tuple[IngestSummary, Settings]:
    path = tmp / name
    path.write_bytes(content)
    settings_ = Settings(data_dir=tmp / "data", batch_rows=1_000,
                         database_url=_SHARED_STORE["url"])
    return ingest_files(settings_, "shipments", [path], organisation="acme"), settings_


@PROPERTY
@given(data=rows)
def test_csv_rows(tmp_path_factory: pytest.TempPathFactory, data: list[list[str]]) -> None:
    summary, used = _ingest(tmp_path_factory.mktemp("csv"), "s.csv", _csv_bytes(data))
    _check(summary, used)
    blank = sum(1 for row in data if not row)  # written as blank lines, which are not rows
    assert summary.rows_read == len(data) - blank


@PROPERTY
@given(data=rows)
def test_gzip_csv_rows(tmp_path_factory: pytest.TempPathFactory, data: list[list[str]]) -> None:
    content = gzip.compress(_csv_bytes(data))
    summary, used = _ingest(tmp_path_factory.mktemp("gz"), "s.csv.gz", content)
    _check(summary, used)


@PROPERTY
@given(body=st.binary(max_size=300))
def test_csv_random_bytes_after_a_header(
    tmp_path_factory: pytest.TempPathFactory, body: bytes
) -> None:
    content = (",".join(COLUMNS) + "\n").encode() + body
    summary, used = _ingest(tmp_path_factory.mktemp("bytes"), "s.csv", content)
    _check(summary, used)


@PROPERTY
@given(content=st.binary(max_size=200))
def test_any_bytes_at_all_give_a_summary_or_a_clear_error(
    tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    for name in ("s.csv", "s.jsonl", "s.parquet"):
        try:
            summary, used = _ingest(tmp_path_factory.mktemp("any"), name, content)
        except UserError as exc:
            assert exc.message.strip()
            continue
        _check(summary, used)


json_lines = st.lists(st.one_of(
    rows.map(lambda rs: [json.dumps(dict(zip(COLUMNS, r, strict=False))) for r in rs]),
    st.lists(st.text(max_size=20).filter(lambda t: "\n" not in t and "\r" not in t), max_size=3),
    st.lists(st.binary(max_size=20).filter(lambda b: b"\n" not in b), max_size=3),
), max_size=4)


@PROPERTY
@given(chunks=json_lines)
def test_json_lines(tmp_path_factory: pytest.TempPathFactory, chunks: list[list[object]]) -> None:
    header = json.dumps(dict.fromkeys(COLUMNS, "")).encode()
    lines = [header] + [x if isinstance(x, bytes) else str(x).encode("utf-8", "surrogatepass")
                        for chunk in chunks for x in chunk]
    try:
        summary, used = _ingest(tmp_path_factory.mktemp("jsonl"), "s.jsonl", b"\n".join(lines))
    except UserError as exc:  # e.g. the first line lacks a required column
        assert exc.message.strip()
        return
    _check(summary, used)


@PROPERTY
@given(data=st.lists(st.lists(cells, min_size=5, max_size=5), max_size=25))
def test_parquet(tmp_path_factory: pytest.TempPathFactory, data: list[list[str]]) -> None:
    clean = [[c.encode("utf-8", "replace").decode() for c in row] for row in data]
    table = pa.table({c: pa.array([r[i] for r in clean], pa.string())
                      for i, c in enumerate(COLUMNS)})
    tmp = tmp_path_factory.mktemp("pq")
    pq.write_table(table, tmp / "s.parquet")
    summary, used = _ingest(tmp, "s2.parquet", (tmp / "s.parquet").read_bytes())
    _check(summary, used)
    assert summary.rows_read == len(data)

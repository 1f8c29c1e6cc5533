"""Many files at once (``ingest --jobs``): the same rows, quarantine and duplicates as one by
one, and nothing added when the same files come again."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.errors import InputFileError, MappingError
from ringfence.ingest import ingest_files
from ringfence.ingest.parallel import ingest_parallel, job_count
from ringfence.settings import Settings
from tests.ingest.conftest import read_dataset

HEADER = "id,date,origin_country,declared_value,shipper,consignee\n"


def write_files(folder: Path) -> list[Path]:
    """Four files that overlap: S2 in two files, one bad row each, one file repeated."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        "S1,2024-01-01,CN,10,P1,P2\nS2,2024-01-02,HK,20,P1,\nB1,not a date,CN,-5,,\n",
        "S2,2024-01-02,HK,20,P1,\nS3,2024-01-03,QQ,30,P3,P4\nB2,2024-01-03,CN,x,,\n",
        "".join(f"M{i},2024-02-{1 + i % 28:02d},CN,{i},P{i % 9},C{i % 5}\n" for i in range(400)),
    ]
    paths = []
    for number, body in enumerate(rows):
        path = folder / f"part{number}.csv"
        path.write_text(HEADER + body, encoding="utf-8")
        paths.append(path)
    return [*paths, paths[0]]


def lake_state(settings: Settings) -> dict[str, list[str]]:
    """The ids in shipments and quarantine, and the field problems' values, sorted."""
    state = {}
    for dataset, column in (("shipments", "id"), ("quarantine", "id"), ("field_problems", "raw")):
        table = read_dataset(settings, dataset)
        state[dataset] = (
            sorted(map(str, table.column(column).to_pylist())) if table.num_rows else []
        )
    return state


def test_parallel_ingest_keeps_what_a_sequential_one_keeps(tmp_path: Path) -> None:
    paths = write_files(tmp_path / "in")
    one = Settings(data_dir=tmp_path / "one")
    many = Settings(data_dir=tmp_path / "many")

    sequential = ingest_files(one, "shipments", paths, organisation="acme")
    parallel = ingest_parallel(many, "shipments", paths, jobs=3, organisation="acme")

    assert [Path(f.file).name for f in parallel.files] == [p.name for p in paths]
    for total in ("rows_read", "accepted", "quarantined", "duplicates", "field_problems"):
        assert getattr(parallel, total) == getattr(sequential, total), total
    assert parallel.rows_read == parallel.accepted + parallel.quarantined + parallel.duplicates
    assert lake_state(many) == lake_state(one)
    # S1, S2, S3, B2 (its bad value a field problem) and the 400 M rows, each once
    assert len(lake_state(many)["shipments"]) == 404

    again = ingest_parallel(many, "shipments", paths, jobs=3, organisation="acme")
    assert again.accepted == 0 and again.field_problems == 0
    assert lake_state(many) == lake_state(one)


def test_a_failing_file_fails_the_call_with_its_own_error(tmp_path: Path) -> None:
    paths = write_files(tmp_path / "in")
    settings = Settings(data_dir=tmp_path / "d")
    with pytest.raises(InputFileError, match="no such file"):
        ingest_parallel(settings, "shipments", [*paths, tmp_path / "missing.csv"], jobs=2,
                        organisation="acme")  # fmt: skip
    assert not read_dataset(settings, "shipments").num_rows  # checked before anything ran
    mapping = tmp_path / "bad.yaml"
    mapping.write_text("feed: shipments\ncolumns: [not, a, mapping]\n", encoding="utf-8")
    with pytest.raises(MappingError):
        ingest_parallel(settings, "shipments", paths, jobs=2, organisation="acme",
                        mapping=mapping)  # fmt: skip


def test_job_count() -> None:
    assert job_count(4, 2) == 2 and job_count(1, 10) == 1 and job_count(100, 100) == 32
    assert job_count(0, 100) >= 1

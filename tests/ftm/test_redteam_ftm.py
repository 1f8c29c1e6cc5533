"""Red team, FtM in: a line nested 100,000 deep ended the ingest in a ``RecursionError``
traceback instead of a quarantined row; one ``Ownership`` of 3,000 owners and 3,000 assets (a
100 kB line) made the first pass hold nine million owner/asset pairs; a file name holding Rich
markup was eaten from (or, with ``[/x]``, crashed) the CLI's warning line."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.ftm.entities import Context
from ringfence.ingest.pipeline import ingest_files
from ringfence.ingest.quarantine import quarantined_rows
from ringfence.settings import Settings

PERSON = {"id": "p-1", "schema": "Person", "properties": {"name": ["Ivan Petrov"]}}


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def test_a_deeply_nested_line_is_quarantined(settings: Settings, tmp_path: Path) -> None:
    deep = '{"id": "x", "schema": "Person", "properties": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path = tmp_path / "deep.ftm.jsonl"
    path.write_text(json.dumps(PERSON) + "\n" + deep + "\n", encoding="utf-8")
    summary = ingest_files(settings, "parties", [path], organisation="ipr-center").files[0]
    assert (summary.feed, summary.accepted, summary.quarantined) == ("parties", 1, 1)
    (row,) = quarantined_rows(settings, file=path.name, kind="row")
    assert row["source_row"] == 2 and "nested" in row["problems"][0]["reason"]


def test_quarantined_lines_with_markup_are_shown_literally(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(settings.data_dir))
    path = tmp_path / "bad.ftm.jsonl"
    path.write_text(json.dumps(PERSON) + "\nnot json [/x] [red]hidden\n", encoding="utf-8")
    ingest_files(settings, "parties", [path], organisation="ipr-center")
    result = CliRunner().invoke(app, ["quarantine", "show", path.name])
    assert result.exit_code == 0, result.output
    assert "[/x]" in result.output and "[red]hidden" in result.output


def test_one_ownership_of_many_owners_and_assets_stays_small() -> None:
    owners = [f"o{i}" for i in range(3000)]
    assets = [f"a{i}" for i in range(3000)]
    context = Context()
    tracemalloc.start()
    context.add({"id": "own", "schema": "Ownership",
                 "properties": {"owner": owners, "asset": assets}})  # fmt: skip
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(context.owners) <= len(owners) + len(assets)
    assert peak < 20 * 1024 * 1024, peak


def test_a_file_name_with_markup_is_warned_about_literally(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(settings.data_dir))
    path = tmp_path / "[red]x[bold].ftm.jsonl"
    vessel = {"id": "v-1", "schema": "Vessel", "properties": {"name": ["Sea Star"]}}
    path.write_text(json.dumps(PERSON) + "\n" + json.dumps(vessel) + "\n", encoding="utf-8")
    args = ["ingest", "parties", str(path), "--format", "ftm", "--org", "ipr-center"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "[red]x[bold].ftm.jsonl: left out FtM entities" in result.output

"""The README's main command: the demo operation runs end to end and shows every stage."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app


@pytest.mark.slow
def test_demo_runs_the_whole_operation_so_far(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    stages = (
        "1 · ingest",
        "2 · resolve",
        "Screened",
        "3 · score",
        "Around the latest seizure",
        "4 · target",
        "inspection queue",
    )
    for heading in stages:
        assert heading in result.output
    assert "quarantine" in result.output.lower()
    again = CliRunner().invoke(app, ["demo", "--no-serve", "--data-dir", str(data_dir)])
    assert again.exit_code == 0, again.output
    assert (data_dir / "lake" / "shipments").is_dir()

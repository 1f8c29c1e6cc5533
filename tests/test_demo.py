"""The README's main command: the demo operation runs end to end and shows every stage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo run once on a fresh data directory: (data directory, its output)."""
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    return data_dir, result.output


@pytest.mark.slow
def test_demo_runs_the_whole_operation_so_far(demo_run: tuple[Path, str]) -> None:
    data_dir, output = demo_run
    stages = (
        "1 · ingest",
        "2 · resolve",
        "Screened",
        "3 · score",
        "Around the latest seizure",
        "4 · target",
        "inspection queue",
        "6 · marketplace",
    )
    for heading in stages:
        assert heading in output
    assert "quarantine" in output.lower()
    again = CliRunner().invoke(app, ["demo", "--no-serve", "--data-dir", str(data_dir)])
    assert again.exit_code == 0, again.output
    assert (data_dir / "lake" / "shipments").is_dir()


@pytest.mark.slow
def test_demo_shows_a_border_seizure_holding_the_sellers_listings(
    demo_run: tuple[Path, str],
) -> None:
    output = " ".join(demo_run[1].split())  # Rich wraps long lines
    held = re.search(r"(\d+) listings held \((\d+) new this run\)", output)
    assert held, "the demo says how many listings the border's seizures held"
    assert int(held.group(1)) > 0 and int(held.group(2)) == int(held.group(1))
    assert re.search(r"BZ\d+\W.*\bcustoms-nl\b", demo_run[1]), "a hold: its seller and why"
    assert "held for review" in output
    assert re.search(r"Of the latest day's [\d,]+ scored arrivals, [1-9]\d* have a party", output)
    assert "two_places" in output and "INVALID" in output
    assert "Page views with no valid counterfeit complaint" in output

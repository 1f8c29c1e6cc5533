"""``ringfence score``: score shipments in bulk with a stored model into the lake (scale.md)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console

from ringfence.cli.dates import parse_date
from ringfence.cli.errors import one_line_errors
from ringfence.settings import Settings

console = Console()


def register(app: typer.Typer) -> None:
    """Add the ``score`` command."""
    app.command()(score)


def score(
    since: str | None = typer.Option(None, "--from", help="First shipment date to score."),
    until: str | None = typer.Option(None, "--until", help="Last shipment date to score."),
    version: str | None = typer.Option(None, "--version", help="Model version (default newest)."),
    rules: Path | None = typer.Option(None, "--rules", help="Rule file (default rule set)."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Score every shipment (or a date window) with a stored model into the lake's
    shipment_scores; on Spark the boosters run on the executors."""
    from ringfence.score.batch import score_to_lake

    with one_line_errors():
        summary = score_to_lake(
            Settings(),
            since=parse_date(since, "--from"),
            until=parse_date(until, "--until"),
            version=version,
            rules_path=None if rules is None else str(rules),
        )
    if json_out:
        console.print_json(json.dumps(asdict(summary)))
        return
    console.print(
        f"Scored {summary.shipments:,} shipments for {', '.join(summary.labels)} with model "
        f"{summary.model_version} on {summary.engine} in {summary.seconds:.1f} s "
        f"→ lake dataset {summary.dataset}",
        highlight=False,
    )

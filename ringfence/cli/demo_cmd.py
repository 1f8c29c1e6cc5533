"""``ringfence demo``: the whole operation so far on a simulated world."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ringfence.cli.progress import progress_bar
from ringfence.demo import DemoReport, require_empty_or_demo, run_demo
from ringfence.settings import Settings

console = Console()


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command."""
    app.command()(demo)


def demo(
    seed: int = typer.Option(7, help="Seed of the simulated world."),
    days: int | None = typer.Option(None, help="Days of trade to simulate (default: sim's)."),
    scale: float = typer.Option(1.0, help="Size of the world (1.0 = demo size)."),
    data_dir: Path | None = typer.Option(
        None, help="Data directory (default: RINGFENCE_DATA_DIR or ./ringfence-data)."
    ),
) -> None:
    """Simulate a world, ingest every partner's feeds and show what the stores hold."""
    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    require_empty_or_demo(settings.data_dir)
    console.rule("[bold]Ringfence demo operation")
    with progress_bar(console) as progress:
        report = run_demo(settings, seed=seed, days=days, scale=scale, progress=progress)
    _print_report(report)


def _print_report(report: DemoReport) -> None:
    console.print(f"World simulated in [cyan]{report.world_dir}[/]")
    table = Table(title="1 · ingest: partner feeds", title_justify="left")
    for col in ("organisation", "feed"):
        table.add_column(col)
    for col in ("rows read", "accepted", "quarantined", "duplicates"):
        table.add_column(col, justify="right")
    for org, feed, s in report.ingests:
        table.add_row(
            org, feed, f"{s.rows_read:,}", f"{s.accepted:,}", f"{s.quarantined:,}",
            f"{s.duplicates:,}",
        )
    console.print(table)
    held = Table(title="What the analytical store holds", title_justify="left")
    for col in ("feed", "organisation", "records"):
        held.add_column(col, justify="right" if col == "records" else "left")
    for row in report.holdings:
        held.add_row(row["feed"], row["organisation"], f"{row['records']:,}")
    console.print(held)
    if report.quarantine_reasons:
        why = Table(title="Commonest quarantine reasons", title_justify="left")
        for col in ("feed", "organisation", "field", "reason", "rows"):
            why.add_column(col, justify="right" if col == "rows" else "left")
        for row in report.quarantine_reasons:
            why.add_row(row["feed"], row["organisation"], str(row["field"]), row["reason"],
                        f"{row['rows']:,}")
        console.print(why)
        console.print("See every rejected row with [bold]ringfence quarantine list[/].")

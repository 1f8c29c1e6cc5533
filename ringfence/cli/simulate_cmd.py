"""``ringfence simulate``: write a synthetic world — every partner's feeds and the ground truth."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ringfence.cli.progress import progress_bar
from ringfence.errors import UserError
from ringfence.sim import SimulationSummary, simulate
from ringfence.sim.config import DEFAULT_DAYS, SHIPMENTS_PER_DAY, SimConfig

console = Console()


def register(app: typer.Typer) -> None:
    """Add the ``simulate`` command."""
    app.command(name="simulate")(simulate_command)


def simulate_command(
    out: Path = typer.Option(..., "--out", help="Folder to write the world into."),
    seed: int = typer.Option(7, help="Random seed; the same seed gives byte-identical files."),
    days: int = typer.Option(DEFAULT_DAYS, help="Days of trade to simulate."),
    scale: float = typer.Option(
        1.0, help=f"Size of the world: {SHIPMENTS_PER_DAY:,} x scale shipments a day."
    ),
    camouflage_share: float = typer.Option(
        SimConfig.camouflage_share,
        "--camouflage-share",
        help="Share of rings shipping through established legitimate accounts with honest-"
        "looking parcels (0: none).",
    ),
    new_ring_day: int | None = typer.Option(
        None,
        "--new-ring-day",
        help="Drift scenario: a new ring with fresh accounts and a new route (departing from "
        "Thailand) starts shipping on this day (0-based; default: no new ring).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Simulate partner feeds (carrier, customs, marketplace, IP-crime unit, brand owners) with
    counterfeit rings hidden in them, plus world.json and the ground truth under truth/."""
    if days < 1:
        raise UserError("--days must be at least 1")
    if scale <= 0:
        raise UserError("--scale must be positive")
    if not 0 <= camouflage_share <= 1:
        raise UserError("--camouflage-share must be between 0 and 1")
    if new_ring_day is not None and not 0 < new_ring_day < days:
        raise UserError("--new-ring-day must be a day inside the period (1 .. days - 1)")
    run = partial(simulate, out, seed=seed, days=days, scale=scale,
                  camouflage_share=camouflage_share, new_ring_day=new_ring_day)  # fmt: skip
    if as_json:
        summary = run()
        typer.echo(json.dumps(summary.as_dict(), indent=2))
        return
    with progress_bar(console) as progress:
        summary = run(progress=progress)
    _print(summary)


def _print(s: SimulationSummary) -> None:
    table = Table(title=f"Simulated world in {s.out_dir}", title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    rows: list[tuple[str, int | str]] = [
        ("shipments (carrier manifest)", s.shipments),
        ("  counterfeit (truth)", s.counterfeit),
        ("  of which camouflaged", s.camouflaged),
        ("customs declarations", s.declarations),
        ("  inspected / seized", f"{s.inspected:,} / {s.seized:,}"),
        ("counterfeit rings", s.rings),
        ("marketplace sellers / listings", f"{s.sellers:,} / {s.listings:,}"),
        ("notices (complaints)", s.complaints),
        ("page-view rows", s.pageviews),
        ("watchlist entries", s.watchlist),
        ("malformed rows (on purpose)", s.malformed),
    ]
    for what, count in rows:
        table.add_row(what, f"{count:,}" if isinstance(count, int) else str(count))
    console.print(table)
    console.print(
        f"{len(s.feeds)} feeds listed in world.json; ground truth in truth/; {s.seconds:.1f} s"
    )

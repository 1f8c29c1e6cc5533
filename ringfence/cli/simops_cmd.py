"""``ringfence simulate-operations``: the learning loop replayed on a simulated world, exploit-only
versus with exploration (docs/targeting.md)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from ringfence.cli.errors import one_line_errors
from ringfence.cli.progress import progress_bar
from ringfence.errors import UserError
from ringfence.settings import Settings
from ringfence.target.explore.weights import DEFAULT_CLIP

console = Console()
SHORT_NAMES = {
    "exploit_only": "exploit",
    "with_exploration": "explore",
    "with_exploration_unweighted": "unweighted",
    "with_exploration_clipped": "clipped",
    "with_exploration_self_normalised": "self-norm.",
    "targeted_inverse": "aimed 1/p",
    "targeted_none": "aimed unw.",
    "targeted_clipped": "aimed clip",
    "targeted_self_normalised": "aimed s-n",
}
WEIGHTING_SETS = {
    "both": ("inverse", "none"),
    "all": ("inverse", "none", "clipped", "self_normalised"),
}
AIM_SETS = {"both": ("uniform", "targeted")}
err_console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the ``simulate-operations`` command."""
    app.command("simulate-operations")(simulate_operations)


def simulate_operations(
    weeks: int = typer.Option(..., "--weeks", help="Weeks to replay after the warm-up."),
    capacity: int = typer.Option(..., "--capacity", help="Inspections per day."),
    exploration: float = typer.Option(
        0.1, "--exploration", help="Exploration share of the second arm (0.1 = 10 %)."
    ),
    seed: int = typer.Option(7, "--seed", help="Seed of the world and of the draws."),
    scale: float = typer.Option(0.5, "--scale", help="World volume: 2,000 × scale parcels a day."),
    warmup_days: int = typer.Option(
        28, "--warmup-days", help="Days of legacy inspections the models start from."
    ),
    world: Path | None = typer.Option(
        None, "--world", help="An existing simulated world (default: simulate a fresh one)."
    ),
    work: Path | None = typer.Option(
        None, "--work", help="Keep the world and its lake here (default: a temporary folder)."
    ),
    weighting: str = typer.Option(
        "inverse",
        "--weighting",
        help="Explored labels: inverse (1/p), none, clipped, self_normalised, a comma-separated "
        "list, both (inverse,none) or all; one arm each.",
    ),
    aim: str = typer.Option(
        "uniform", "--aim", help="Exploration: uniform, targeted (aimed at the unknown) or both."
    ),
    clip: float = typer.Option(DEFAULT_CLIP, "--clip", help="Largest clipped weight."),
    new_ring_day: int | None = typer.Option(
        None, "--new-ring-day", help="Simulate the drift scenario: a new ring from this day."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Write the report as JSON here."),
) -> None:
    """Replay weeks of targeting on a simulated world: exploit-only vs with exploration."""
    from ringfence.sim import simulate
    from ringfence.target.operations import simulate_operations as replay

    weightings = WEIGHTING_SETS.get(weighting) or tuple(weighting.split(","))
    aims = AIM_SETS.get(aim) or tuple(aim.split(","))
    folder = work or Path(tempfile.mkdtemp(prefix="ringfence-operations-"))
    try:
        with one_line_errors(), progress_bar(err_console) as progress:
            world_dir = world
            if world_dir is None:
                world_dir = folder / "world"
                days = warmup_days + 7 * weeks + 1
                if new_ring_day is not None and not 0 < new_ring_day < days:
                    raise UserError(
                        f"--new-ring-day must be a day inside the period (1 .. {days - 1})"
                    )
                simulate(world_dir, seed=seed, days=days, scale=scale, progress=progress,
                         new_ring_day=new_ring_day)  # fmt: skip
            # A private lake and store: the replay never touches the user's data.
            settings = Settings(data_dir=folder / "data", database_url=None)
            report = replay(settings, world_dir, weeks, capacity, exploration, seed, warmup_days,
                            progress=progress, weightings=weightings, aims=aims,
                            clip=clip)  # fmt: skip
    finally:
        if work is None:
            shutil.rmtree(folder, ignore_errors=True)
    console.print(report_table(report))
    if report.get("scenario"):
        console.print(detection_table(report))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report, indent=2), encoding="utf-8")
        console.print(f"Report written to {json_out}", highlight=False)


def _pct(value: Any) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def report_table(report: dict[str, Any]) -> Table:
    """Weekly seizures, precision and recall of both arms side by side (the model's AUC
    against the truth is in the JSON report)."""
    arms = report["arms"]
    table = Table(title=f"Operations replay: {report['capacity_per_day']} inspections a day")
    table.add_column("week", justify="right")
    table.add_column("fakes", justify="right")
    for name in arms:
        short = SHORT_NAMES.get(name, name)
        for what in ("seized", "prec.", "recall"):
            table.add_column(f"{short}\n{what}", justify="right")
    rows = zip(*(arm["weekly"] for arm in arms.values()), strict=True)
    for weekly in rows:
        cells = [str(weekly[0]["week"]), str(weekly[0]["counterfeits"])]
        for week in weekly:
            cells += [str(week["seizures"]), _pct(week["precision"]), _pct(week["recall"])]
        table.add_row(*cells)
    table.add_section()
    total = ["all", str(sum(w["counterfeits"] for w in next(iter(arms.values()))["weekly"]))]
    for arm in arms.values():
        t = arm["total"]
        total += [str(t["seizures"]), _pct(t["precision"]), _pct(t["recall"])]
    table.add_row(*total)
    return table


def detection_table(report: dict[str, Any]) -> Table:
    """Per arm: the new ring's parcels inspected and seized, and weeks to its first seizure."""
    table = Table(title=f"New ring {report['scenario']['ring_id']} (drift scenario)")
    for name in ("arm", "inspected", "seized", "weeks to detection"):
        table.add_column(name, justify="left" if name == "arm" else "right")
    for name, arm in report["arms"].items():
        ring = arm["new_ring"]
        weeks = ring["weeks_to_detection"]
        table.add_row(
            SHORT_NAMES.get(name, name),
            f"{ring['inspected']} of {ring['parcels']}",
            str(ring["seizures"]),
            "not found" if weeks is None else f"{weeks:.1f}",
        )
    return table

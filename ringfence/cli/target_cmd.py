"""``ringfence target``: the day's inspection list under a capacity, with reasons
(docs/targeting.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ringfence.cli.dates import required_date
from ringfence.cli.errors import one_line_errors
from ringfence.settings import Settings
from ringfence.target.ranking import BALANCED_GAMMA

if TYPE_CHECKING:  # the targeting stack (LightGBM) loads only when a command runs
    from ringfence.target.daily import InspectionPlan

console = Console()


def register(app: typer.Typer) -> None:
    """Add the ``target`` command."""
    app.command()(target)


def target(
    date: str = typer.Option(..., "--date", help="Arrival date to target (YYYY-MM-DD)."),
    capacity: int = typer.Option(..., "--capacity", help="Inspections available that day."),
    per_port: bool = typer.Option(
        False, "--per-port", help="Split capacity across ports in proportion to arrivals."
    ),
    exploration: float = typer.Option(
        0.1, "--exploration", help="Share of capacity drawn at random (0.1 = 10 %)."
    ),
    rank_by: str = typer.Option(
        "ev",
        "--rank-by",
        help="ev (probability × value at stake), probability, or balanced "
        "(probability × (1 + value at stake)^gamma).",
    ),
    gamma: float = typer.Option(
        BALANCED_GAMMA,
        "--gamma",
        help="With --rank-by balanced: the weight on the value at stake (0: probability only, "
        "1: expected value).",
    ),
    label: str | None = typer.Option(None, "--label", help="Outcome label to rank by."),
    organisation: str = typer.Option(
        "customs", "--organisation", help="Organisation whose inspection tasks these are."
    ),
    source: str | None = typer.Option(
        None, "--source", help="Only shipments supplied by this organisation."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the exploration draw."),
    explore_by: str = typer.Option(
        "uniform",
        "--explore-by",
        help="uniform, or targeted: aimed at shippers, routes and goods with few labels and at "
        "the model's uncertainty (probability-proportional-to-size, exact chances recorded).",
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the list as JSON."),
    rules: Path | None = typer.Option(None, "--rules", help="Rule file (default rule set)."),
) -> None:
    """Pick the shipments to inspect on a date and write them as inspection tasks."""
    from ringfence.target.daily import target_day

    with one_line_errors():
        plan = target_day(
            Settings(),
            required_date(date, "--date"),
            capacity,
            organisation=organisation,
            label=label,
            rank_by=rank_by,
            exploration=exploration,
            per_port=per_port,
            seed=seed,
            source=source,
            rules_path=rules,
            explore_by=explore_by,
            gamma=gamma,
        )
    console.print(plan_table(plan))
    explored = sum(task.selected_by == "explore" for task in plan.tasks)
    console.print(
        f"{len(plan.tasks)} of {plan.arrivals:,} arrivals selected ({explored} explored), "
        f"ranked by {plan.rank_by}{_gamma(plan.gamma)}; "
        f"stored as {len(plan.task_ids)} open tasks of "
        f"'{organisation}' for {plan.target_date}.",
        highlight=False,
    )
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(plan.as_dict(), indent=2), encoding="utf-8")
        console.print(f"Inspection list written to {json_out}", highlight=False)


def _gamma(gamma: float | None) -> str:
    return "" if gamma is None else f" (gamma {gamma:g})"


def plan_table(plan: InspectionPlan, reasons: int = 1) -> Group:
    """The inspection list: a table of rank, shipment, port, score, value, how picked; then each
    pick's top ``reasons`` as a numbered list (reasons are sentences, which a table column
    squeezes to a few letters on an 80-column terminal)."""
    table = Table(
        title=f"Inspections for {plan.target_date} ({plan.label}, model {plan.model_version})"
    )
    for column in ("#", "shipment", "port", "p", "value", "EV", "picked"):
        right = column in ("#", "p", "value", "EV")
        table.add_column(column, justify="right" if right else "left", no_wrap=True)
    why = Table.grid(padding=(0, 1))
    why.add_column(justify="right", no_wrap=True)
    why.add_column(overflow="fold")
    for task in plan.tasks:
        picked = (
            "top" if task.selected_by == "exploit" else f"random ({task.selection_probability:.3f})"
        )
        table.add_row(
            str(task.rank), plan.source_keys.get(task.shipment_id, task.shipment_id),
            task.port or "-", f"{task.probability:.3f}",
            "-" if task.value_at_stake is None else f"{task.value_at_stake:,.0f}",
            f"{task.expected_value:,.2f}", picked,
        )  # fmt: skip
        for i, reason in enumerate(task.reasons.get(plan.label, [])[:reasons]):
            why.add_row(f"{task.rank}." if i == 0 else "", reason)
    return Group(table, Text("Why", style="bold"), why)

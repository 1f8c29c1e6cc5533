"""``ringfence demo``: the whole operation so far on a simulated world."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from ringfence.cli.progress import progress_bar
from ringfence.cli.target_cmd import plan_table
from ringfence.settings import Settings

if TYPE_CHECKING:  # the whole loop loads only when the demo runs, not for --help
    from ringfence.demo import DemoReport

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
    serve: bool = typer.Option(
        True, "--serve/--no-serve", help="End by serving the demo world (API and web UI)."
    ),
    host: str = typer.Option("127.0.0.1", help="Address to serve on."),
    port: int = typer.Option(8000, help="Port to serve on."),
) -> None:
    """Run the whole operation on a simulated world, then serve it with demo logins."""
    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    from ringfence.cli.demo_market import print_market
    from ringfence.demo import require_empty_or_demo, run_demo
    from ringfence.demo_market import run_market
    from ringfence.service.seed import serve_demo

    require_empty_or_demo(settings.data_dir)
    console.rule("[bold]Ringfence demo operation")
    with progress_bar(console) as progress:
        report = run_demo(settings, seed=seed, days=days, scale=scale, progress=progress)
        report.market = run_market(settings, report.latest_scored)
    _print_report(report)
    _print_fusion(report)
    _print_scores(report)
    _print_inspections(report)
    if report.market is not None:
        print_market(console, report.market, report.world_dir)
    if serve:
        console.rule("The operation as a service")
        serve_demo(settings, host=host, port=port, echo=console.print)


def _print_report(report: DemoReport) -> None:
    console.print(f"World simulated in [cyan]{report.world_dir}[/]")
    table = Table(title="1 · ingest: partner feeds", title_justify="left")
    for col in ("organisation", "feed"):
        table.add_column(col)
    for col in ("rows read", "accepted", "quarantined", "duplicates"):
        table.add_column(col, justify="right")
    for org, feed, s in report.ingests:
        table.add_row(
            org,
            feed,
            f"{s.rows_read:,}",
            f"{s.accepted:,}",
            f"{s.quarantined:,}",
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
            why.add_row(
                row["feed"],
                row["organisation"],
                str(row["field"]),
                row["reason"],
                f"{row['rows']:,}",
            )
        console.print(why)
        console.print("See every rejected row with [bold]ringfence quarantine list[/].")


def _print_fusion(report: DemoReport) -> None:
    res, net = report.resolution, report.network
    console.rule("2 · resolve: parties across partners")
    if res is not None:
        console.print(
            f"{res.mentions:,} party mentions from every partner resolved into "
            f"{res.entities:,} entities ({res.multi_mention_entities:,} seen more than once) "
            f"with Splink on {res.engine} in {res.seconds:.1f} s."
        )
    if net is not None:
        console.print(
            f"Network of {net.entities:,} entities and {net.links:,} shared identifiers and "
            f"trade links; risk spread from {net.seeds:,} confirmed counterfeiters and seized "
            f"parties reaches {net.reached:,} entities."
        )
    console.print(
        f"\nScreened the latest day's {report.shippers_screened:,} shippers against the "
        f"watchlist and all entities: {len(report.shipper_hits):,} match a confirmed "
        "counterfeiter or a high-risk entity."
    )
    for hit in report.shipper_hits[:6]:
        flag = "watchlisted" if hit["watchlisted"] else f"network risk {hit['network_risk']:.2f}"
        console.print(
            f"  {hit['shipper']} → {hit['name']} ({flag}), score {hit['score']:.2f}: "
            f"{'; '.join(hit['reasons'])}",
            highlight=False,
        )
    hood = report.seizure
    if hood is None:
        return
    console.print(f"\nAround the latest seizure (shipment {hood.query}), within {hood.hops} links:")
    table = Table(show_header=True, header_style="bold")
    for col in ("entity", "organisations", "hops", "network risk", "how it is linked"):
        table.add_column(col, justify="right" if col in ("hops", "network risk") else "left")
    for row in hood.neighbours:
        table.add_row(
            str(row.get("name")),
            ", ".join(row.get("organisations") or []),
            str(row.get("hops")),
            f"{row.get('network_risk') or 0:.2f}",
            str(row.get("path")),
        )
    console.print(table)


def _print_scores(report: DemoReport) -> None:
    console.rule("3 · score: the latest day's riskiest shipments")
    console.print(f"Model version {report.model_version} (one calibrated model per label).")
    table = Table(show_header=True, header_style="bold")
    for col in ("shipment", "scores", "why"):
        table.add_column(col)
    for row in report.riskiest:
        scores = ", ".join(f"{k} {v:.2f}" for k, v in row["scores"].items())
        label = max(row["scores"], key=row["scores"].get) if row["scores"] else None
        reasons = row["reasons"].get(label, []) if label else []
        table.add_row(row["source_key"], scores, "\n".join(str(r) for r in reasons[:3]))
    console.print(table)


def _print_inspections(report: DemoReport) -> None:
    acted, before = report.acted, report.yesterday
    if before is not None and acted:
        console.rule("4 · target and 5 · act & learn: yesterday")
        console.print(
            f"Yesterday ({before.target_date}) customs opened {acted['inspected']} of "
            f"{before.arrivals:,} parcels and seized counterfeits in {acted['seized']}. The "
            f"outcomes came back through ingestion as {acted['new_labels']} new labels, and "
            f"{acted['watchlisted']} shippers of seized parcels joined the shared watchlist."
        )
    console.rule("4 · target: today's inspection list")
    plan = report.plan
    if plan is None or not plan.tasks:
        console.print("No arrivals to target on the latest day.")
        return
    explored = sum(task.selected_by == "explore" for task in plan.tasks)
    console.print(
        f"{plan.arrivals:,} parcels arrive on {plan.target_date}; customs can open "
        f"{plan.capacity}. Ranked by {plan.rank_by}, {explored} picked at random to keep "
        "learning (their selection probability is recorded for training)."
    )
    console.print(plan_table(plan, reasons=2))
    console.print("The list is in customs' inspection queue: record outcomes in the web UI.")

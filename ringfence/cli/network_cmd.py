"""``ringfence network`` (risk, expand) and ``ringfence entities`` (export): docs/network.md."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console

from ringfence.cli.errors import one_line_errors
from ringfence.cli.progress import progress_bar
from ringfence.resolve.network.expand import Neighbourhood, expand_entity
from ringfence.resolve.network.export import export_entities
from ringfence.resolve.network.risk import compute_network_risk
from ringfence.settings import Settings

console = Console()
err_console = Console(stderr=True)

network_app = typer.Typer(
    help="The network of entities that share identifiers or trade, and risk spread over it.",
    no_args_is_help=True,
)
entities_app = typer.Typer(
    help="Resolved entities: export for partners and tools.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add the ``network`` and ``entities`` command groups."""
    app.add_typer(network_app, name="network")
    app.add_typer(entities_app, name="entities")


def _settings(data_dir: Path | None) -> Settings:
    return Settings(data_dir=data_dir) if data_dir else Settings()


DATA_DIR = typer.Option(None, "--data-dir", help="Data directory (default: RINGFENCE_DATA_DIR).")


@network_app.command("risk")
def risk(
    data_dir: Path | None = DATA_DIR,
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Propagate risk from confirmed counterfeiters and seizures; write dataset network_risk."""
    with one_line_errors():
        settings = _settings(data_dir)
        with progress_bar(err_console) as progress:
            summary = compute_network_risk(settings, progress=progress)
    if as_json:
        typer.echo(json.dumps(summary.as_dict(), indent=2))
        return
    if summary.note:
        err_console.print(f"[yellow]note:[/] {summary.note}", highlight=False)
    console.print(
        f"network_risk written for {summary.entities:,} entities: {summary.seeds:,} seeds, "
        f"{summary.reached:,} reached from a seed; {summary.links:,} links "
        f"({summary.hub_identifiers_dropped:,} hub identifiers and "
        f"{summary.hub_trade_links_dropped:,} hub trade links dropped); PageRank converged in "
        f"{summary.iterations} iterations; {summary.seconds:.2f} s",
        highlight=False,
    )


@network_app.command("expand")
def expand(
    ident: str = typer.Argument(
        ...,
        metavar="ID",
        help="Entity id, party mention id, shipment id (or AWB) or watchlist source key.",
    ),
    hops: int = typer.Option(2, "--hops", min=1, max=6, help="Links to follow."),
    limit: int = typer.Option(200, "--limit", min=1, help="Most neighbours to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a list."),
    data_dir: Path | None = DATA_DIR,
) -> None:
    """Show the entities around a seizure, a confirmed counterfeiter or any entity."""
    with one_line_errors():
        result = expand_entity(_settings(data_dir), ident, hops=hops, limit=limit)
    if as_json:
        typer.echo(json.dumps(asdict(result), indent=2, ensure_ascii=False))
        return
    _print_neighbourhood(result)


def _print_neighbourhood(result: Neighbourhood) -> None:
    for note in result.notes:
        err_console.print(f"[yellow]note:[/] {note}", highlight=False)
    starts = ", ".join(f"{s['name']} ({s['entity_id']})" for s in result.start)
    console.print(f"{result.query} is a {result.matched_as}: {starts}", highlight=False)
    console.print(
        f"{result.total_neighbours} entities within {result.hops} hops"
        + (
            f" (the first {len(result.neighbours)} shown):"
            if len(result.neighbours) < result.total_neighbours
            else ":"
        ),
        highlight=False,
    )
    for row in result.neighbours:
        risk = "n/a" if row["network_risk"] is None else f"{row['network_risk']:.3f}"
        orgs = ", ".join(row["organisations"] or [])
        console.print(
            f"  [{row['hops']}] {row['name'] or '(unnamed)'}  {row['entity_id']}  [{orgs}]  "
            f"network_risk {risk}\n      {row['path'] or ''}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


@entities_app.command("export")
def export(
    out: Path = typer.Option(..., "--out", help="Output file: .csv or .parquet (or FtM)."),
    fmt: str | None = typer.Option(
        None,
        "--format",
        help="csv, parquet or ftm (default: from the file's extension; FILE.ftm.json means ftm).",
    ),
    data_dir: Path | None = DATA_DIR,
) -> None:
    """Write one row per party mention: organisation, feed, source_key, entity_id,
    watchlisted, network_risk; or FollowTheMoney entities with --format ftm."""
    with one_line_errors():
        rows = export_entities(_settings(data_dir), out, fmt)
    console.print(f"Wrote {rows:,} rows to {out}", highlight=False)

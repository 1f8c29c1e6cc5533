"""``ringfence outcomes sync``: recorded outcomes become labels; seizures reach the watchlist."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from ringfence.cli.errors import one_line_errors
from ringfence.cli.progress import progress_bar
from ringfence.settings import Settings

if TYPE_CHECKING:
    from ringfence.act import SyncSummary

console = Console()

outcomes_app = typer.Typer(
    help="Inspection outcomes recorded in Ringfence (API, UI) and their way back as labels.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``outcomes`` command group."""
    app.add_typer(outcomes_app, name="outcomes")


@outcomes_app.command("sync")
def sync(
    watchlist: bool = typer.Option(
        True,
        "--watchlist/--no-watchlist",
        help="Put shippers of shipments seized for counterfeit goods on the watchlist.",
    ),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Data directory (default: RINGFENCE_DATA_DIR)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Ingest every recorded outcome as a label (idempotent), for the next `ringfence train`."""
    from ringfence.act import sync_outcomes

    with one_line_errors():
        settings = Settings(data_dir=data_dir) if data_dir else Settings()
        with progress_bar(console) as progress:
            summary = sync_outcomes(settings, promote_seizures=watchlist, progress=progress)
    if as_json:
        console.print_json(json.dumps(_as_dict(summary)))
        return
    _print(summary)


def _as_dict(summary: SyncSummary) -> dict[str, object]:
    return {
        "new_labels": summary.new_labels,
        "outcomes": {k: v.to_dict() for k, v in summary.outcomes.items()},
        "watchlist": {k: v.to_dict() for k, v in summary.watchlist.items()},
        "unknown_shipments": summary.unknown_shipments,
    }


def _print(summary: SyncSummary) -> None:
    table = Table(title="Recorded outcomes → lake", title_justify="left")
    for column in ("feed", "from → on", "rows", "new", "already held", "quarantined"):
        table.add_column(column, justify="left" if column in {"feed", "from → on"} else "right")
    for feed, parts in (("outcomes", summary.outcomes), ("watchlist", summary.watchlist)):
        for who, s in parts.items():
            table.add_row(
                feed,
                who,
                f"{s.rows_read:,}",
                f"{s.accepted:,}",
                f"{s.duplicates:,}",
                f"{s.quarantined:,}",
            )
    console.print(table)
    console.print(f"{summary.new_labels:,} new labels; run [bold]ringfence train[/] to learn them.")
    if summary.unknown_shipments:
        console.print(
            f"[yellow]{len(summary.unknown_shipments):,} outcomes name shipments the lake does not "
            f"hold (kept in the store, synced once the shipment is ingested).[/]"
        )

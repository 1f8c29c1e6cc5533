"""``ringfence db`` and ``ringfence audit``: the operational store's schema and its audit log."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.database import head_revision

console = Console()
db_app = typer.Typer(
    help="The operational store's schema (Alembic migrations).", no_args_is_help=True
)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``db`` and ``audit`` command groups."""
    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the operational store to the latest schema."""
    with OperationalStore.open(Settings()) as store:
        typer.echo(
            f"operational store at {store.display_url} is at revision "
            f"{store.current_revision()} (head)"
        )


@db_app.command("current")
def db_current() -> None:
    """Show the store's URL (without password) and schema revision."""
    with OperationalStore.open(Settings(), upgrade=False) as store:
        revision = store.current_revision()
        head = head_revision()
        state = (
            "up to date" if revision == head else f"behind head {head}: run `ringfence db upgrade`"
        )
    # Plain echo, not rich: a URL must never be wrapped or restyled, so it can be copied.
    typer.echo(f"url:      {store.display_url}")
    typer.echo(f"revision: {revision or 'none (empty database)'} ({state})")


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit chain; exit 1 and name each altered, inserted or removed entry."""
    with OperationalStore.open(Settings()) as store:
        report = store.verify_audit()
    if report.ok:
        console.print(f"audit log intact: {report.entries} entries, chain and head agree")
        return
    for problem in report.problems:
        console.print(f"[bold red]{problem}[/]", highlight=False)
    console.print(
        f"audit log BROKEN: {len(report.problems)} problem(s) in {report.entries} entries"
    )
    raise typer.Exit(1)


@audit_app.command("list")
def audit_list(
    limit: int = typer.Option(20, min=1, help="How many of the latest entries to show."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """The latest audit entries, newest first."""
    with OperationalStore.open(Settings()) as store:
        entries = store.audit_entries(limit)
    if as_json:
        for entry in entries:
            typer.echo(json.dumps(entry.as_dict(), ensure_ascii=False, sort_keys=True))
        return
    table = Table(title="Audit log (newest first)", title_justify="left")
    for column in ("seq", "at", "actor", "organisation", "action", "detail"):
        table.add_column(column, justify="right" if column == "seq" else "left")
    for e in entries:
        table.add_row(
            str(e.seq),
            e.at.isoformat(timespec="seconds"),
            e.actor,
            e.organisation or "",
            e.action,
            json.dumps(e.detail, ensure_ascii=False, sort_keys=True),
        )
    console.print(table)

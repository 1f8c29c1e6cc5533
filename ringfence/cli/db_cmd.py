"""``ringfence db`` and ``ringfence audit``: the operational store's schema and its audit log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from ringfence.cli.errors import one_line_errors
from ringfence.errors import UserError
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


def _read_anchor(path: Path) -> dict[str, Any]:
    try:
        anchor = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"{path}: cannot read the anchor: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: the anchor is not JSON: {exc}") from None
    if not isinstance(anchor, dict):
        raise UserError(f"{path}: the anchor must be a JSON object with 'seq' and 'hash'")
    return anchor


@audit_app.command("verify")
def audit_verify(
    anchor_file: Path | None = typer.Option(
        None, "--anchor", help="An anchor from `ringfence audit anchor` the chain must still hold."
    ),
) -> None:
    """Recompute the audit chain; exit 1 and name each altered, inserted or removed entry."""
    with one_line_errors():
        anchor = _read_anchor(anchor_file) if anchor_file is not None else None
        with OperationalStore.open(Settings()) as store:
            report = store.verify_audit(anchor)
    if report.ok:
        held = f"; it still holds anchored entry {anchor['seq']}" if anchor is not None else ""
        unkeyed = f" ({report.unkeyed} from before the chain was keyed)" if report.unkeyed else ""
        console.print(
            f"audit log intact: {report.entries} entries{unkeyed}, chain and head agree{held}",
            highlight=False,
            soft_wrap=True,
        )
        return
    for problem in report.problems:
        console.print(f"[bold red]{problem}[/]", highlight=False, soft_wrap=True)
    console.print(
        f"audit log BROKEN: {len(report.problems)} problem(s) in {report.entries} entries"
    )
    raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor() -> None:
    """Print the chain's latest entry (seq, hash, time) as JSON, for an outside witness to keep.

    Later, `ringfence audit verify --anchor FILE` proves the chain still holds that entry
    unchanged, even against someone who holds the audit key.
    """
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        anchor = store.audit_anchor()
    typer.echo(json.dumps(anchor, sort_keys=True))


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

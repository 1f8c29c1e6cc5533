"""``ringfence brand register|approve|revoke|list``: which brands an organisation owns.

A brand organisation sees seizures of "its own brands" (an agreement filtering on
``$recipient_brands``); those names come only from registrations approved here or through the
API by an admin of a customs or IP-crime organisation — never from the brand's own feed. The
operator who runs these commands approves as ``cli:<login name>``; every step is audited.
"""

from __future__ import annotations

import json
from typing import Any

import typer

from ringfence.cli.access_cmd import _actor
from ringfence.cli.errors import one_line_errors
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.brands import brand_clashes

brand_app = typer.Typer(
    help="Brand registrations (trademark ownership) that decide a brand's scope.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``brand`` command group."""
    app.add_typer(brand_app, name="brand")


@brand_app.command("register")
def brand_register(
    org: str = typer.Argument(..., help="The organisation that owns the brand."),
    brand: str = typer.Argument(..., help="The brand name, as seizures record it."),
    alias: list[str] = typer.Option([], "--alias", help="Another spelling (repeatable)."),
    evidence: str = typer.Option("", "--evidence", help="e.g. the trademark number checked."),
    approve: bool = typer.Option(False, "--approve", help="Approve it at once (the operator)."),
) -> None:
    """Register a brand for an organisation (pending until approved; audited)."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        registration = store.register_brand(org, brand, alias, evidence=evidence, actor=_actor())
        if approve:
            store.approve_brand(registration, actor=_actor())
    state = "approved" if approve else "pending approval"
    typer.echo(f"brand registration {registration}: {brand} for {org} ({state})")


@brand_app.command("approve")
def brand_approve(registration: int = typer.Argument(..., help="Registration id.")) -> None:
    """Approve a registration after checking the trademark (audited)."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        store.approve_brand(registration, actor=_actor())
        row = store.brand_registration(registration)
    typer.echo(f"approved brand registration {registration}: {row.brand} for {row.organisation}")


@brand_app.command("revoke")
def brand_revoke(registration: int = typer.Argument(..., help="Registration id.")) -> None:
    """Revoke a registration: its names stop counting at once (audited)."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        store.revoke_brand(registration, actor=_actor())
    typer.echo(f"revoked brand registration {registration}")


@brand_app.command("list")
def brand_list(
    org: str | None = typer.Option(None, "--org", help="Only this organisation."),
    include_revoked: bool = typer.Option(False, "--all", help="Include revoked registrations."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List brand registrations and their status."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        live = store.brand_registrations()
        rows: list[dict[str, Any]] = [
            {
                "id": r.id,
                "organisation": r.organisation,
                "brand": r.brand,
                "aliases": list(r.aliases or []),
                "status": "revoked"
                if r.revoked_at
                else ("approved" if r.approved_at else "pending"),
                "approved_by": r.approved_by,
                "evidence": r.evidence,
                "lookalikes": [] if r.revoked_at else brand_clashes(r, live),
            }
            for r in store.brand_registrations(org, include_revoked=include_revoked)
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    for r in [] if as_json else rows:
        aliases = f" (also {', '.join(r['aliases'])})" if r["aliases"] else ""
        flags = "".join(f"\n\tLOOK-ALIKE: {flag}" for flag in r["lookalikes"])
        typer.echo(f"{r['id']}\t{r['organisation']}\t{r['status']}\t{r['brand']}{aliases}{flags}")

"""``ringfence listings score|act|release|reinstate|actions|queue`` (docs/marketplace.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from ringfence.cli.access_cmd import _actor
from ringfence.cli.errors import one_line_errors
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore

listings_app = typer.Typer(
    help="Listing risk and marketplace actions: hold, take down, suspend, release.",
    no_args_is_help=True,
)
ORG = typer.Option(..., "--org", help="The marketplace acting (its own listings and sellers).")
REASON = typer.Option(..., "--reason", help="Why (stored and audited).")


def register(app: typer.Typer) -> None:
    """Add the ``listings`` command group."""
    app.add_typer(listings_app, name="listings")


@listings_app.command("score")
def listings_score(
    out: Path | None = typer.Option(None, "--out", help="Write all scores (.csv or .parquet)."),
    top: int = typer.Option(20, "--top", help="Listings shown when no --out is given."),
) -> None:
    """Score every listing with the latest seller model: listing, score, reasons."""
    from ringfence.cli.sellers_cmd import write_scores_file
    from ringfence.listings.service import score_listings

    with one_line_errors():
        scores = score_listings(Settings())
        if out is not None:  # listing ids are the marketplace's text: cells neutralised
            write_scores_file(scores, out)
    if out is not None:
        typer.echo(f"{scores.num_rows:,} listings scored into {out}")
        return
    for row in scores.slice(0, top).to_pylist():
        typer.echo(f"{row['score']:.3f}\t{row['listing']}\t{row['reasons']}")


@listings_app.command("act")
def listings_act(
    kind: str = typer.Argument(..., help="hold, hold-stock, take-down or suspend."),
    org: str = ORG,
    reason: str = REASON,
    listing: str | None = typer.Option(None, "--listing", help="The listing (hold, take-down)."),
    seller: str | None = typer.Option(
        None, "--seller", help="The seller's id (hold-stock, suspend)."
    ),
    gtin: str | None = typer.Option(None, "--gtin", help="The product held (hold-stock)."),
    expires: str | None = typer.Option(
        None, "--expires", help="YYYY-MM-DD (end of day, UTC) or a time; default 30 days."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the action as JSON."),
) -> None:
    """Take an action on your marketplace's own listing or seller (audited)."""
    from ringfence.listings.actions import act

    settings = Settings()
    with one_line_errors(), OperationalStore.open(settings) as store:
        row = act(settings, store, org, kind.replace("-", "_"), reason=reason, actor=_actor(),
                  listing=listing, seller=seller, gtin=gtin, expires=expires)  # fmt: skip
    _show(row, as_json)


def _end(ending: str, action_id: int, org: str, reason: str, as_json: bool) -> None:
    from ringfence.listings.actions import end

    with one_line_errors(), OperationalStore.open(Settings()) as store:
        row = end(store, org, action_id, ending, reason=reason, actor=_actor())
    _show(row, as_json)


@listings_app.command("release")
def listings_release(
    action_id: int = typer.Argument(..., help="The hold's id."),
    org: str = ORG,
    reason: str = REASON,
    as_json: bool = typer.Option(False, "--json", help="Print the action as JSON."),
) -> None:
    """Release a hold (of a listing or a seller's stock) before its expiry (audited)."""
    _end("release", action_id, org, reason, as_json)


@listings_app.command("reinstate")
def listings_reinstate(
    action_id: int = typer.Argument(..., help="The take-down's or suspension's id."),
    org: str = ORG,
    reason: str = REASON,
    as_json: bool = typer.Option(False, "--json", help="Print the action as JSON."),
) -> None:
    """Reinstate a taken-down listing or a suspended seller (audited)."""
    _end("reinstate", action_id, org, reason, as_json)


@listings_app.command("actions")
def listings_actions(
    org: str | None = typer.Option(None, "--org", help="Only this marketplace's actions."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines."),
) -> None:
    """Actions, newest first, with their state (active, expired, released, reinstated)."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        rows = [a.to_dict() for a in store.listing_actions(org)]
    for row in rows:
        _show(row, as_json)


@listings_app.command("queue")
def listings_queue(
    org: str = ORG,
    capacity: int = typer.Option(..., "--capacity", min=0, help="Reviews analysts can do."),
    exploration: float = typer.Option(
        0.1, "--exploration", min=0.0, max=1.0, help="Share of slots drawn at random."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the exploration draw."),
) -> None:
    """Write today's analyst queue: riskiest live listings plus random ones (recorded chance)."""
    from ringfence.listings.queue import build_queue

    settings = Settings()
    with one_line_errors(), OperationalStore.open(settings) as store:
        rows = build_queue(settings, store, org, capacity=capacity, exploration=exploration,
                           seed=seed, actor=_actor())  # fmt: skip
    for r in rows:
        typer.echo(f"{r['rank']}\t{r['score']:.3f}\t{r['selected_by']}\t"
                   f"{r['selection_probability']:.4f}\t{r['listing']}\t{r['reasons']}")  # fmt: skip


def _show(row: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(row, sort_keys=True))
        return
    target = row["listing"] or f"{row['seller']}" + (f" / {row['gtin']}" if row["gtin"] else "")
    typer.echo(f"#{row['id']}\t{row['kind']}\t{row['state']}\t{target}\t"
               f"until {row['expires_at']}\t{row['reason']}")  # fmt: skip


@listings_app.command("border-holds")
def listings_border_holds(
    org: str = ORG,
    as_json: bool = typer.Option(False, "--json", help="Print the holds as JSON lines."),
) -> None:
    """Hold your listings of a seized brand whose seller's resolved entity shipped the seized
    goods, for seizures an agreement lets you read (brand and shipment_ref); audited."""
    from ringfence.listings.border import border_holds

    settings = Settings()
    with one_line_errors(), OperationalStore.open(settings) as store:
        rows = border_holds(settings, store, org, actor=_actor())
    for row in rows:
        _show(row, as_json)
    if not as_json:
        typer.echo(f"{len(rows)} listing(s) held after seizures at the border")

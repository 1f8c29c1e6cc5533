"""``ringfence complaints file|list|decide|counter-notice|reinstate|withdraw|privilege``
(docs/brands.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from ringfence.cli.access_cmd import _actor
from ringfence.cli.errors import one_line_errors
from ringfence.errors import UserError
from ringfence.service.views.body import odd_character
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore

complaints_app = typer.Typer(
    help="Brands' notices against listings: file, decide, counter-notice, reinstate.",
    no_args_is_help=True,
)
MARKET = typer.Option(..., "--org", help="The marketplace the notice was sent to.")
REASON = typer.Option(..., "--reason", help="Why (stored and audited).")
JSON = typer.Option(False, "--json", help="Print JSON.")
LIMITS = {"reason": 500, "statement": 2000, "evidence_ref": 500, "listing": 200, "brand": 200}


def register(app: typer.Typer) -> None:
    """Add the ``complaints`` command group."""
    app.add_typer(complaints_app, name="complaints")


def _text(name: str, value: str | None) -> None:
    """``UserError`` for text the API would refuse: blank, too long, control characters."""
    if value is None:
        return
    if not value.strip():
        raise UserError(f"--{name.replace('_', '-')} may not be blank")
    if len(value) > LIMITS[name]:
        raise UserError(f"--{name.replace('_', '-')} is longer than {LIMITS[name]} characters")
    odd = odd_character(value)
    if odd is not None:
        raise UserError(f"--{name.replace('_', '-')} contains a control or bidirectional "
                        f"character (U+{ord(odd):04X})")  # fmt: skip


def _show(out: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(out, sort_keys=True, default=str))
        return
    c = out["complaint"]
    typer.echo(f"#{c['id']}\t{c['status']}\t{c['brand']}\t{c['marketplace']}/{c['listing']}\t"
               f"validity {c['score']:.2f} ({'valid' if c['valid'] else 'doubtful'})\t"
               f"{c['reasons']}")  # fmt: skip
    for key in ("self_service", "action", "suspension"):
        if out.get(key):
            typer.echo(f"{key}: {json.dumps(out[key], sort_keys=True, default=str)}")


@complaints_app.command("file")
def complaints_file(
    org: str = typer.Option(..., "--org", help="The brand filing (its approved brands only)."),
    marketplace: str = typer.Option(..., "--marketplace", help="The marketplace's slug."),
    listing: str = typer.Option(..., "--listing", help="The listing's id at the marketplace."),
    brand: str = typer.Option(..., "--brand", help="Your brand the listing infringes."),
    reason: str = REASON,
    evidence_ref: str | None = typer.Option(None, "--evidence-ref", help="e.g. a test buy."),
    evidence_file: Path | None = typer.Option(
        None, "--evidence-file", exists=True, dir_okay=False, help="Kept by its SHA-256."
    ),
    take_down: bool = typer.Option(False, "--take-down", help="Remove it yourself (earned)."),
    as_json: bool = JSON,
) -> None:
    """File a notice against a listing; scored for validity with reasons (audited)."""
    from ringfence.complaints import service

    settings = Settings()
    with one_line_errors(), OperationalStore.open(settings) as store:
        for name, value in (("reason", reason), ("evidence_ref", evidence_ref),
                            ("listing", listing), ("brand", brand)):  # fmt: skip
            _text(name, value)
        evidence = service.keep_evidence(settings, evidence_file) if evidence_file else None
        if evidence is not None and odd_character(evidence[0]) is not None:
            raise UserError("the evidence file's name contains a control character")
        out = service.file_complaint(
            settings, store, organisation=org, actor=_actor(), marketplace=marketplace,
            listing=listing, brand=brand, reason=reason, evidence_ref=evidence_ref,
            evidence=evidence, take_down=take_down,
        )  # fmt: skip
    _show(out, as_json)


@complaints_app.command("list")
def complaints_list(
    org: str | None = typer.Option(None, "--org", help="Only notices it filed or received."),
    status: str | None = typer.Option(None, "--status", help="pending, upheld, rejected, ..."),
    as_json: bool = JSON,
) -> None:
    """Notices, newest first."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        rows = store.brand_complaints(parties=[org] if org else None)
    out = [r.to_dict() for r in rows if status is None or r.status == status]
    if as_json:
        typer.echo(json.dumps(out, sort_keys=True))
        return
    for c in out:
        _show({"complaint": c}, False)


@complaints_app.command("decide")
def complaints_decide(
    complaint_id: int = typer.Argument(..., min=1, max=2**31 - 1),
    decision: str = typer.Argument(..., help="upheld or rejected."),
    org: str = MARKET,
    reason: str = REASON,
    as_json: bool = JSON,
) -> None:
    """Uphold (take the listing down; repeat-infringer policy) or reject a notice."""
    from ringfence.complaints import service

    settings = Settings()
    with one_line_errors(), OperationalStore.open(settings) as store:
        _text("reason", reason)
        if decision not in ("upheld", "rejected"):
            raise UserError(f"unknown decision {decision[:20]!r}; use upheld or rejected")
        out = service.decide(settings, store, org, complaint_id, decision, reason=reason,
                             actor=_actor())  # fmt: skip
    _show(out, as_json)


@complaints_app.command("counter-notice")
def complaints_counter(
    complaint_id: int = typer.Argument(..., min=1, max=2**31 - 1),
    org: str = MARKET,
    statement: str = typer.Option(..., "--statement", help="The seller's counter-notice."),
    as_json: bool = JSON,
) -> None:
    """Record a seller's counter-notice to an upheld notice (audited)."""
    from ringfence.complaints import service

    with one_line_errors(), OperationalStore.open(Settings()) as store:
        _text("statement", statement)
        out = service.counter_notice(store, org, complaint_id, statement, actor=_actor())
    _show(out, as_json)


@complaints_app.command("reinstate")
def complaints_reinstate(
    complaint_id: int = typer.Argument(..., min=1, max=2**31 - 1),
    org: str = MARKET,
    reason: str = REASON,
    as_json: bool = JSON,
) -> None:
    """Accept the counter-notice: listing reinstated, the notice's outcome ``rejected``."""
    from ringfence.complaints import service

    with one_line_errors(), OperationalStore.open(Settings()) as store:
        _text("reason", reason)
        out = service.reinstate(store, org, complaint_id, reason=reason, actor=_actor())
    _show(out, as_json)


@complaints_app.command("withdraw")
def complaints_withdraw(
    complaint_id: int = typer.Argument(..., min=1, max=2**31 - 1),
    org: str = typer.Option(..., "--org", help="The brand that filed it."),
    reason: str = REASON,
    as_json: bool = JSON,
) -> None:
    """Withdraw a pending notice your brand filed (audited)."""
    from ringfence.complaints import service

    with one_line_errors(), OperationalStore.open(Settings()) as store:
        _text("reason", reason)
        out = service.withdraw(store, org, complaint_id, reason=reason, actor=_actor())
    _show(out, as_json)


@complaints_app.command("privilege")
def complaints_privilege(
    org: str = typer.Option(..., "--org", help="The brand."),
    marketplace: str = typer.Option(..., "--marketplace", help="The marketplace's slug."),
) -> None:
    """Whether the brand earned self-service removal there, and its record (JSON)."""
    from ringfence.complaints.policy import privilege

    settings = Settings()
    with one_line_errors(), OperationalStore.open(settings) as store:
        record = privilege(settings, store, org, marketplace)
    typer.echo(json.dumps(record, sort_keys=True))

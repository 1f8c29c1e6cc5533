"""``ringfence codes keygen|issue|verify|scan|...``: signed unit codes and their scans."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from ringfence.cli.access_cmd import _actor
from ringfence.cli.errors import one_line_errors
from ringfence.codes import format as code_format
from ringfence.codes import keys
from ringfence.codes.listings import flagged_listings
from ringfence.codes.scans import MAX_SCANS, KeyEntry, record_scan, unit_of, with_flags
from ringfence.errors import UserError
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore

codes_app = typer.Typer(
    help="Signed unit codes (Ed25519): keys, issuing, offline verification and scans.",
    no_args_is_help=True,
)
PRIVATE = typer.Option(..., "--private-key", help="The brand's private key file (JSON).")
PUBLIC = typer.Option(..., "--public-key", help="The brand's public key file (JSON).")


def register(app: typer.Typer) -> None:
    """Add the ``codes`` command group."""
    app.add_typer(codes_app, name="codes")


@codes_app.command("keygen")
def codes_keygen(
    brand: str = typer.Option(..., "--brand", help="The brand the key signs for."),
    private_key: Path = typer.Option(..., "--private-key", help="Where to write the private key."),
    public_key: Path = typer.Option(..., "--public-key", help="Where to write the public key."),
) -> None:
    """Make a brand's key pair: the private file gets permissions 0600; none is overwritten."""
    with one_line_errors():
        public = keys.keygen(brand, private_key, public_key)
    typer.echo(f"key {public.key_id} for {public.brand}: {private_key} (0600), {public_key}")


@codes_app.command("issue")
def codes_issue(
    brand: str = typer.Option(..., "--brand", help="The brand; must be the key's brand."),
    gtin: str = typer.Option(..., "--gtin", help="The product's GTIN (8, 12, 13 or 14 digits)."),
    count: int = typer.Option(..., "--count", help="How many codes."),
    private_key: Path = PRIVATE,
    out: Path = typer.Option(..., "--out", help="File to write, one code per line."),
) -> None:
    """Issue COUNT signed codes for one product, one per line."""
    with one_line_errors():
        key = keys.load_private(private_key)
        if keys.clean_brand(brand) != key.brand:
            raise UserError(f"{private_key} signs for {key.brand!r}, not {brand!r}")
        codes = code_format.issue(key, gtin, count)
        try:
            out.write_text("".join(c + "\n" for c in codes), encoding="ascii")
        except OSError as exc:
            raise UserError(f"{out}: cannot write it: {exc.strerror}") from None
    typer.echo(f"{len(codes)} codes for {key.brand} {code_format.clean_gtin(gtin)} in {out}")


@codes_app.command("verify")
def codes_verify(
    codes: list[str] = typer.Argument(..., help="Codes to check."),
    public_key: Path = PUBLIC,
    as_json: bool = typer.Option(False, "--json", help="Print JSON, one object per code."),
) -> None:
    """Check codes offline; exit 0 when every code verifies, 1 when any does not."""
    with one_line_errors():
        key = keys.load_public(public_key)
    checks = [code_format.verify(code, key) for code in codes]
    if as_json:
        typer.echo(json.dumps([c.to_dict() for c in checks], indent=2, ensure_ascii=False))
    for c in [] if as_json else checks:
        if c.valid:
            typer.echo(f"valid\t{c.brand}\t{c.gtin}\t{c.serial}\t{c.code}")
        else:
            typer.echo(f"INVALID\t{c.reason}\t{c.code}")
    sys.stdout.flush()
    raise typer.Exit(0 if all(c.valid for c in checks) else 1)


@codes_app.command("register-key")
def codes_register_key(
    org: str = typer.Option(..., "--org", help="The brand owner (an approved registration)."),
    public_key: Path = PUBLIC,
    gtin: list[str] = typer.Option(
        [], "--gtin", help="A protected product (repeatable; default: every product of the brand)."
    ),
) -> None:
    """Register a brand's public key so scans verify and its listings are checked (audited)."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        key = keys.load_public(public_key)
        gtins = [code_format.clean_gtin(g) for g in gtin]
        store.register_code_key(org, key.brand, key.key_id, keys.b64(key.raw), actor=_actor(),
                                gtins=gtins)  # fmt: skip
    typer.echo(f"code key {key.key_id} registered for {key.brand} ({org})")


@codes_app.command("scan")
def codes_scan(
    codes: list[str] = typer.Argument(..., help="Codes scanned."),
    org: str = typer.Option(..., "--org", help="The customs, carrier or marketplace scanning."),
    place: str = typer.Option(..., "--place", help="Office, consignment or listing id."),
    public_key: Path | None = typer.Option(
        None, "--public-key", help="Verify with this key instead of the registered ones."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Record scans (audited) and show each with its clone flags; exit 1 if any is flagged."""
    settings = Settings()
    with one_line_errors(), OperationalStore.open(settings) as store:
        given: list[KeyEntry] | None = None
        if public_key is not None:
            key = keys.load_public(public_key)
            given = [(key.key_id, key, None)]
        rows = [
            record_scan(store, org, code, place, actor=_actor(), keys=given).to_dict()
            for code in codes
        ]
        units = [u for u in map(unit_of, rows) if u is not None]
        seen = [s.to_dict() for s in store.code_scans(serials=units)]
    with_flags(rows, seen, settings.code_max_scans)
    _print_scans(rows, as_json)
    raise typer.Exit(1 if any(r["flags"] for r in rows) else 0)


@codes_app.command("scans")
def codes_scans(
    org: str | None = typer.Option(None, "--org", help="Only this organisation's scans."),
    limit: int = typer.Option(1000, "--limit", help="Newest this many."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List recorded scans, newest first, with clone flags judged on every scan."""
    with one_line_errors():  # SQLite reads LIMIT -1 as no limit at all; PostgreSQL fails
        if not 1 <= limit <= MAX_SCANS:
            raise UserError(f"--limit must be 1 to {MAX_SCANS:,}, not {limit}")
    settings = Settings()
    with one_line_errors(), OperationalStore.open(settings) as store:
        rows = [s.to_dict() for s in store.code_scans(organisation=org, limit=limit)]
        units = [u for u in map(unit_of, rows) if u is not None]
        seen = [s.to_dict() for s in store.code_scans(serials=units)]
    with_flags(rows, seen, settings.code_max_scans)
    _print_scans(rows, as_json)


@codes_app.command("listings")
def codes_listings(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Live listings of code-protected products whose seller has shown no valid code."""
    settings = Settings()
    with one_line_errors(), OperationalStore.open(settings) as store:
        rows = flagged_listings(settings, store)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False, default=str))
        return
    for r in rows:
        typer.echo(f"{r['flag']}\t{r['organisation']}\t{r['listing']}\t{r['seller']}\t"
                   f"{r['brand']}\t{r['gtin'] or ''}")  # fmt: skip


def _print_scans(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        state = "valid" if r["valid"] else "INVALID"
        flags = ",".join(r["flags"]) or "-"
        typer.echo(f"{r['scanned_at']}\t{r['organisation']}\t{r['place']}\t{state}\t{flags}\t"
                   f"{r['brand'] or ''}\t{r['gtin'] or ''}\t{r['serial'] or ''}")  # fmt: skip


@codes_app.command("revoke-key")
def codes_revoke_key(
    key_id: str = typer.Argument(..., help="The key's id (16 hex digits)."),
) -> None:
    """Stop a registered key counting for new scans, e.g. after a leak (audited)."""
    with one_line_errors(), OperationalStore.open(Settings()) as store:
        store.revoke_code_key(key_id, actor=_actor())
    typer.echo(f"code key {key_id} revoked")

"""``ringfence codes keygen|issue|verify|scan|...``: signed unit codes and their scans."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from ringfence.cli.errors import one_line_errors
from ringfence.codes import format as code_format
from ringfence.codes import keys
from ringfence.errors import UserError

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

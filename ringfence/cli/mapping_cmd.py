"""``ringfence mapping register|list``: mappings an organisation's uploads may name.

The service resolves an upload's ``mapping`` only by name: a shipped mapping, or one registered
here for the uploader's organisation. Registering validates the YAML (as ``ingest --mapping``
would), copies it into the data directory and writes an audit entry.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ringfence.cli.errors import one_line_errors
from ringfence.settings import Settings

mapping_app = typer.Typer(help="Mappings uploads may name, per organisation.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``mapping`` command group."""
    app.add_typer(mapping_app, name="mapping")


@mapping_app.command("register")
def mapping_register(
    name: str = typer.Argument(..., help="Name uploads will give, e.g. acme-manifest."),
    file: Path = typer.Argument(..., help="The mapping YAML (see docs/mappings.md)."),
    org: str = typer.Option(..., "--org", help="Organisation whose uploads may use it."),
) -> None:
    """Validate a mapping file and register it under NAME for the organisation's uploads."""
    from ringfence.cli.access_cmd import _actor
    from ringfence.ingest.registry import register_mapping

    with one_line_errors():
        target = register_mapping(Settings(), org, name, file, _actor())
    typer.echo(f"mapping {name} registered for {org} ({target.name})")


@mapping_app.command("list")
def mapping_list(
    org: str = typer.Option(..., "--org", help="Organisation."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the mapping names the organisation's uploads may use (registered, then shipped)."""
    from ringfence.ingest.registry import registered_names, shipped_names

    with one_line_errors():
        rows = [{"name": n, "source": "registered"} for n in registered_names(Settings(), org)]
    rows += [{"name": n, "source": "shipped"} for n in shipped_names()]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['name']}\t{row['source']}")

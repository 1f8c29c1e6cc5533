"""Entry point of the ``ringfence`` command.

Every command module exposes ``register(app)``; errors from the one exception hierarchy are turned
into one clear line on stderr and the hierarchy's exit code, never a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from ringfence import __version__
from ringfence.cli import (
    access_cmd,
    act_cmd,
    brand_cmd,
    case_cmd,
    codes_cmd,
    complaints_cmd,
    db_cmd,
    demo_cmd,
    ingest_cmd,
    listings_cmd,
    mapping_cmd,
    metrics_cmd,
    network_cmd,
    pprl_cmd,
    resolve_cmd,
    score_cmd,
    scores_cmd,
    screen_cmd,
    sellers_cmd,
    serve_cmd,
    simops_cmd,
    simulate_cmd,
    target_cmd,
    watch_cmd,
)
from ringfence.errors import RingfenceError

app = typer.Typer(
    name="ringfence",
    help="Stop counterfeit goods together: ingest, resolve, score, target, act and learn.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True)

for module in (
    simulate_cmd,
    ingest_cmd,
    mapping_cmd,
    db_cmd,
    demo_cmd,
    pprl_cmd,
    resolve_cmd,
    network_cmd,
    score_cmd,
    scores_cmd,
    screen_cmd,
    target_cmd,
    simops_cmd,
    act_cmd,
    access_cmd,
    brand_cmd,
    case_cmd,
    watch_cmd,
    codes_cmd,
    listings_cmd,
    complaints_cmd,
    metrics_cmd,
    sellers_cmd,
    serve_cmd,
):
    module.register(app)


@app.callback()
def main() -> None:
    """Stop counterfeit goods together: ingest, resolve, score, target, act and learn."""


@app.command()
def version() -> None:
    """Print the Ringfence version."""
    typer.echo(__version__)


def run() -> None:
    """Run the CLI, mapping Ringfence errors to one line and their exit code."""
    try:
        app()
    except RingfenceError as exc:
        err_console.print(
            f"[bold red]error:[/] {escape(exc.message)}", highlight=False, soft_wrap=True
        )
        sys.exit(exc.exit_code)

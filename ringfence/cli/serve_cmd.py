"""``ringfence serve``: run the API and web UI with uvicorn."""

from __future__ import annotations

import typer

from ringfence.cli.errors import one_line_errors
from ringfence.settings import Settings


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command."""
    app.command("serve")(serve)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=32, help="Server processes (each loads its own indexes)."
    ),
) -> None:
    """Serve the JSON API (/api/v1, docs at /docs) and the web UI over the data directory."""
    from ringfence.service.app import serve_app

    with one_line_errors():
        serve_app(Settings(), host=host, port=port, workers=workers)

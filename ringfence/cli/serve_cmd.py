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
        1,
        "--workers",
        min=1,
        max=32,
        help="Server processes (each loads its own indexes); concurrent ingests take turns.",
    ),
) -> None:
    """Serve the JSON API (/api/v1, docs at /docs) and the web UI over the data directory."""
    from ringfence.service.app import serve_app
    from ringfence.store.operational import OperationalStore

    with one_line_errors():
        settings = Settings()
        # Migrate the store and create the audit key once, before the workers start side by
        # side; ingests, job recovery and login throttling are safe across worker processes.
        with OperationalStore.open(settings) as store:
            store.audit_key()
        serve_app(settings, host=host, port=port, workers=workers)

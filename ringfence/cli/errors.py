"""One way for every command to end on a Ringfence error: one line on stderr, the hierarchy's
exit code, no traceback.

The top-level runner (``main.run``) does the same, but commands are also invoked directly (tests
through CliRunner, later the API's bridge), and those must end the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from ringfence.errors import RingfenceError

err_console = Console(stderr=True)


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Turn a RingfenceError raised in the block into one line and ``typer.Exit(exit_code)``."""
    try:
        yield
    except RingfenceError as exc:
        err_console.print(
            f"[bold red]error:[/] {escape(exc.message)}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(exc.exit_code) from None

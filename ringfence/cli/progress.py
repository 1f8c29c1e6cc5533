"""The one Rich progress bar the CLI shows on anything long (with rows/s where rows are counted).

Service functions take a ``progress`` callback and never print; the CLI passes this one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Rows per second of a task."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="green")


class ProgressReporter:
    """A callback for service functions: ``report(task, done, total=None)``.

    ``task`` names the work (``"ingest shipments.csv"``); ``done`` is the count so far.
    """

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, Any] = {}

    def __call__(self, task: str, done: int, total: int | None = None) -> None:
        if task not in self._tasks:
            self._tasks[task] = self._progress.add_task(task, total=total)
        self._progress.update(self._tasks[task], completed=done, total=total)


@contextmanager
def progress_bar(console: Console) -> Iterator[ProgressReporter]:
    """A live progress display for the duration of a block (quiet when not a terminal)."""
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    )
    with progress:
        yield ProgressReporter(progress)

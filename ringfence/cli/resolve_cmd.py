"""``ringfence resolve`` and ``ringfence compare-parties`` (docs/resolution.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from ringfence.cli.errors import one_line_errors
from ringfence.cli.progress import progress_bar
from ringfence.errors import UserError
from ringfence.settings import Settings

console = Console()
err_console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add ``resolve`` and ``compare-parties``."""
    app.command("resolve")(resolve)
    app.command("compare-parties")(compare_parties)


def resolve(
    engine: str | None = typer.Option(
        None, "--engine", help="duckdb or spark (default: RINGFENCE_ENGINE, else duckdb)."
    ),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Data directory."),
) -> None:
    """Resolve every party mention in the lake into entities (Splink), with stable ids."""
    from ringfence.resolve.pipeline import resolve_parties

    with one_line_errors():
        settings = _settings(engine, data_dir)
        with progress_bar(err_console) as progress:
            summary = resolve_parties(settings, progress=progress)
    console.print(
        f"Resolved {summary.mentions:,} party mentions into {summary.entities:,} entities "
        f"({summary.multi_mention_entities:,} with several mentions; "
        f"{summary.kept_ids:,} mentions kept their entity id; {summary.confirmed_links:,} "
        f"confirmed watchlist links learnt from and kept together) on {summary.engine} "
        f"in {summary.seconds:.1f} s. Model: {summary.model_path}",
        highlight=False,
    )


def compare_parties(
    pairs: Path = typer.Argument(..., help="CSV with left_* and right_* party columns."),
    out: Path | None = typer.Option(None, "--out", help="Output CSV (default: stdout)."),
    model: str = typer.Option(
        "default",
        "--model",
        help="default (shipped with Ringfence, needs no data) or trained (learnt by resolve).",
    ),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Data directory."),
) -> None:
    """Score pairs of parties: adds score (0-1), reasons and error columns.

    A row that cannot be scored is reported on stderr with its row number and the others are
    still scored; the command then exits 2.
    """
    from ringfence.resolve.compare import compare_pairs, read_pairs_csv

    with one_line_errors():
        settings = _settings(None, data_dir)
        frame = read_pairs_csv(pairs)
        scored = compare_pairs(settings, frame, source=str(pairs), model=model)
    if out is None:
        scored.to_csv(sys.stdout, index=False)
    else:
        scored.to_csv(out, index=False)
    bad = [e for e in scored["error"] if e]
    for error in bad:
        err_console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
    if out is not None:
        console.print(
            f"Scored {len(scored) - len(bad):,} pairs into {out}"
            + (f"; {len(bad):,} row{'s' * (len(bad) != 1)} not scored (above)" if bad else ""),
            highlight=False,
            soft_wrap=True,
        )
    if bad:
        raise typer.Exit(UserError.exit_code)


def _settings(engine: str | None, data_dir: Path | None) -> Settings:
    settings = Settings()
    update: dict[str, object] = {}
    if engine is not None:
        if engine not in ("duckdb", "spark"):
            raise UserError(f"--engine must be duckdb or spark, not {engine!r}")
        update["engine"] = engine
    if data_dir is not None:
        update["data_dir"] = data_dir
    return settings.model_copy(update=update) if update else settings

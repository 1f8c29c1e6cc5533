"""``ringfence pprl``: privacy-preserving record linkage between partners (docs/pprl.md)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ringfence.cli.errors import one_line_errors
from ringfence.cli.progress import progress_bar
from ringfence.resolve.pprl import DEFAULT_THRESHOLD, encode_parties, load_secret, match_encodings
from ringfence.resolve.pprl.io import read_encodings, read_parties, write_encodings, write_pairs

console = Console()
err_console = Console(stderr=True)

pprl_app = typer.Typer(
    help="Match party records with a partner without either side revealing them.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``pprl`` command group."""
    app.add_typer(pprl_app, name="pprl")


@pprl_app.command()
def encode(
    file: Path = typer.Argument(..., help="Parties file (canonical columns; CSV or Parquet)."),
    secret_file: Path = typer.Option(..., "--secret-file", help="Shared secret, >= 32 bytes."),
    out: Path = typer.Option(..., "--out", help="Encodings file (.parquet, or .jsonl)."),
) -> None:
    """Encode a parties file into keyed Bloom-filter encodings that reveal no names."""
    with one_line_errors():
        secret = load_secret(secret_file)
        parties = read_parties(file)
        with progress_bar(err_console) as progress:
            encodings = encode_parties(parties, secret, progress=progress)
        write_encodings(encodings, out)
    console.print(f"Encoded {encodings.num_rows:,} parties into {out}", highlight=False)


@pprl_app.command()
def match(
    left: Path = typer.Argument(..., help="Encodings of one side."),
    right: Path = typer.Argument(..., help="Encodings of the other side (same secret)."),
    threshold: float = typer.Option(
        DEFAULT_THRESHOLD, "--threshold", min=0.0, max=1.0, help="Lowest score reported."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Pairs file (.parquet or .csv); a table on stdout without it."
    ),
    one_to_one: bool = typer.Option(
        False, "--one-to-one", help="Keep only each record's best partner."
    ),
) -> None:
    """Match two encodings files; write left_id, right_id, score, exact_matches."""
    with one_line_errors():
        pairs = match_encodings(
            read_encodings(left), read_encodings(right), threshold, one_to_one=one_to_one
        )
        if out is not None:
            write_pairs(pairs, out)
    if out is not None:
        console.print(f"Wrote {pairs.num_rows:,} pairs to {out}", highlight=False)
        return
    table = Table("left_id", "right_id", "score", "exact_matches")
    for row in pairs.to_pylist():
        table.add_row(row["left_id"], row["right_id"], f"{row['score']:.4f}", row["exact_matches"])
    console.print(table)

"""``ringfence sellers train|score``: the seller-risk model (docs/marketplace.md)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import typer
from rich.console import Console
from rich.table import Table

from ringfence.cli.dates import parse_date
from ringfence.cli.errors import one_line_errors
from ringfence.errors import UserError
from ringfence.settings import Settings

console = Console(markup=False)  # seller keys are data, never Rich markup
sellers_app = typer.Typer(help="Seller risk: find bad-actor sellers early.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``sellers`` command group."""
    app.add_typer(sellers_app, name="sellers")


def _metric(metrics: object, key: str) -> str:
    value = metrics.get(key) if isinstance(metrics, dict) else None
    return "-" if value is None else f"{value:.3f}"


@sellers_app.command()
def train(
    until: str | None = typer.Option(
        None, "--until", help="Last seller-outcome date to learn from."
    ),
) -> None:
    """Train the calibrated seller-risk model (split by time) and store a new version."""
    from ringfence.marketplace.service import train_sellers

    with one_line_errors():
        stored = train_sellers(Settings(), parse_date(until, "--until"))
    m = stored.manifest
    table = Table(title=f"Seller-risk model {stored.version}")
    for column in ("set", "rows", "positives", "AUC", "average precision"):
        table.add_column(column, justify="left" if column == "set" else "right")
    for name in ("validation", "test"):
        v = m.get(name, {})
        rows = v.get("rows", 0) if isinstance(v, dict) else 0
        pos = v.get("positives", 0) if isinstance(v, dict) else 0
        table.add_row(
            name, f"{rows:,.0f}", f"{pos:,.0f}", _metric(v, "auc"), _metric(v, "average_precision")
        )
    console.print(table)
    console.print(f"{len(stored.features)} features, {m.get('trees')} trees", highlight=False)


def write_scores_file(scores: pa.Table, out: Path) -> None:
    """Parquet for ``.parquet``/``.pq``; otherwise CSV whose cells a spreadsheet reads as data
    (a seller key is the marketplace's, and ``=HYPERLINK(...)`` must not become a formula).
    ``ringfence listings score --out`` writes with it too."""
    from ringfence.service.exports import csv_text
    from ringfence.target.backtest import write_scores

    try:
        if out.suffix.lower() in {".parquet", ".pq"}:
            write_scores(scores, out)
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        rows = zip(*(scores.column(c).to_pylist() for c in scores.column_names), strict=True)
        out.write_text(csv_text(scores.column_names, rows), encoding="utf-8")
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write it ({exc.strerror or exc})") from None


@sellers_app.command()
def score(
    out: Path | None = typer.Option(
        None, "--out", help="Write all scores here (.csv or .parquet)."
    ),
    top: int = typer.Option(20, "--top", help="Sellers shown when no --out is given."),
) -> None:
    """Score every seller with the latest model: seller, score and reasons in words."""
    from ringfence.marketplace.service import score_sellers

    with one_line_errors():
        scores = score_sellers(Settings())
        if out is not None:
            write_scores_file(scores, out)
    if out is not None:
        console.print(f"{scores.num_rows:,} sellers scored into {out}", highlight=False)
        return
    table = Table(title="Riskiest sellers")
    for column in ("seller", "score", "reasons"):
        table.add_column(column, justify="right" if column == "score" else "left")
    for row in scores.slice(0, top).to_pylist():
        table.add_row(row["seller"], f"{row['score']:.3f}", row["reasons"])
    console.print(table)

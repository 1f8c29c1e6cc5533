"""``ringfence screen FILE``: match new parties against the watchlist and resolved entities.

See docs/screening.md. One output row per (input party, match), best match first.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import typer

from ringfence.cli.errors import one_line_errors
from ringfence.errors import UserError
from ringfence.resolve.screen import ScreeningIndex
from ringfence.settings import Settings

OUTPUT_COLUMNS = (
    "query_id",
    "entity_id",
    "name",
    "score",
    "watchlisted",
    "network_risk",
    "reasons",
)


def register(app: typer.Typer) -> None:
    """Add the ``screen`` command."""
    app.command("screen")(screen)


def read_parties(path: Path) -> list[dict[str, Any]]:
    """The parties of a CSV or Parquet file as dicts."""
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    try:
        if path.suffix.lower() == ".parquet":
            table = pq.read_table(path)
            columns, rows = table.column_names, table.to_pylist()
        else:
            # csv.DictReader keeps every value as text: a phone or identifier read as a number
            # would lose its leading zeros.
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                rows = [dict(r) for r in reader]
                columns = list(reader.fieldnames or [])
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UserError(f"{path}: cannot read parties: {exc}") from None
    if "name" not in columns:
        raise UserError(f"{path}: no 'name' column (columns: {', '.join(columns)})")
    return rows


def screen_rows(
    index: ScreeningIndex, parties: list[dict[str, Any]], limit: int
) -> list[dict[str, Any]]:
    """Flat output rows: each party's matches, ``query_id`` from its id (or row number)."""
    rows = []
    for number, party in enumerate(parties, start=1):
        query_id = str(party.get("id") or number)
        for match in index.screen(party, limit=limit):
            rows.append({"query_id": query_id, **match.as_dict()})
    return rows


def _write(rows: list[dict[str, Any]], out: Path) -> None:
    columns = {c: [r[c] for r in rows] for c in OUTPUT_COLUMNS}
    if out.suffix.lower() == ".parquet":
        pq.write_table(pa.table(columns), out)
        return
    columns["reasons"] = ["; ".join(r) for r in columns["reasons"]]
    pacsv.write_csv(pa.table(columns), out)


def screen(
    file: Path = typer.Argument(..., metavar="FILE", help="CSV or Parquet of parties."),
    limit: int = typer.Option(10, "--limit", min=1, help="Matches per party."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of lines."),
    out: Path | None = typer.Option(None, "--out", help="Write CSV (or .parquet) here."),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Data directory (default: RINGFENCE_DATA_DIR)."
    ),
) -> None:
    """Screen new parties against the watchlist and every resolved entity."""
    with one_line_errors():
        parties = read_parties(file)
        settings = Settings(data_dir=data_dir) if data_dir else Settings()
        index = ScreeningIndex.load(settings)
        rows = screen_rows(index, parties, limit)
    if out is not None:
        _write(rows, out)
        typer.echo(f"{len(rows)} matches for {len(parties)} parties written to {out}")
    elif as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for r in rows:
            flag = " WATCHLISTED" if r["watchlisted"] else ""
            typer.echo(
                f"{r['query_id']}\t{r['score']:.3f}\t{r['entity_id']}\t{r['name']}"
                f"{flag}\t{'; '.join(r['reasons'])}"
            )

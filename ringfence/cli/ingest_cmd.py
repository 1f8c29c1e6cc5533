"""``ringfence ingest`` and ``ringfence quarantine``: load partner files, inspect rejected rows
and field problems.

The commands only parse options and print; the work is done by the service functions in
``ringfence.ingest``, which the API calls too.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ringfence.cli.errors import one_line_errors
from ringfence.cli.progress import progress_bar
from ringfence.ingest import IngestSummary
from ringfence.ingest.parallel import ingest_parallel
from ringfence.ingest.quarantine import quarantine_summary, quarantined_rows
from ringfence.ingest.registry import ingest_mapping
from ringfence.settings import Settings

out = Console(highlight=False, markup=False)  # rows and file names are data, not markup
err = Console(stderr=True, highlight=False)
quarantine_app = typer.Typer(
    help="Rows that ingestion rejected and values it could not clean, with the reasons.",
    no_args_is_help=True,
)
KIND_HELP = "Only row (quarantined rows) or field (field problems of accepted rows)."
KIND_LABELS = {"row": "quarantined", "field": "field problem"}


def _summary_table(summary: IngestSummary) -> Table:
    table = Table(title="Ingested")
    for name in ("file", "feed", "organisation"):
        table.add_column(name)
    for name in ("rows read", "accepted", "quarantined", "duplicates", "field problems",
                 "seconds"):
        table.add_column(name, justify="right")
    for f in summary.files:
        table.add_row(
            Path(f.file).name,
            f.feed,
            f.organisation,
            f"{f.rows_read:,}",
            f"{f.accepted:,}",
            f"{f.quarantined:,}",
            f"{f.duplicates:,}",
            f"{f.field_problems:,}",
            f"{f.seconds:.1f}",
        )
    if len(summary.files) > 1:
        table.add_row(
            "total",
            "",
            "",
            f"{summary.rows_read:,}",
            f"{summary.accepted:,}",
            f"{summary.quarantined:,}",
            f"{summary.duplicates:,}",
            f"{summary.field_problems:,}",
            "",
        )
    return table


def ingest(
    feed: str = typer.Argument(
        ...,
        metavar="FEED",
        help="Feed kind: shipments (declarations), "
        "parties, outcomes, watchlist, brands, trademarks, products, "
        "sellers, listings, complaints, pageviews, exchange_rates, party_links.",
    ),
    files: list[Path] = typer.Argument(
        ..., metavar="FILE", help="CSV, Parquet or JSON-lines files (.gz too)."
    ),
    mapping: str | None = typer.Option(
        None,
        "--mapping",
        "-m",
        help="Mapping file (YAML), or the name of one registered for --org (ringfence mapping "
        "register) or shipped, such as kcs-declarations.",
    ),
    org: str | None = typer.Option(
        None, "--org", help="Organisation the data comes from (default: the mapping's)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the summary as JSON only."),
    file_format: str | None = typer.Option(
        None,
        "--format",
        help="csv, parquet, jsonl or ftm (FollowTheMoney entities, JSON lines; also known from "
        "a .ftm.json / .ftm.jsonl name). Default: from the file's name.",
    ),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Quarantine a row for any value that does not clean, optional fields too "
        "(default: accept the row without that value and store a field problem).",
    ),
    jobs: int = typer.Option(
        1,
        "--jobs",
        "-j",
        min=0,
        max=32,
        help="Files ingested at once, each in a process of its own (0: one per core); the "
        "same rows, quarantine and duplicates as one by one.",
    ),
) -> None:
    """Ingest partner files into a feed; bad rows go to the quarantine, nothing is lost.

    An optional value that does not clean (an impossible phone, an odd e-mail) does not cost
    the row: it is accepted without that value and the field problem is stored.
    """
    settings = Settings()
    with one_line_errors(), progress_bar(err) as on_progress:
        summary = ingest_parallel(
            settings,
            feed,
            files,
            jobs=jobs,
            mapping=ingest_mapping(settings, mapping, org),
            organisation=org,
            progress=None if json_output else on_progress,
            strict=strict,
            file_format=file_format,
        )
    for f in summary.files:
        for warning in f.warnings:
            err.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    if json_output:
        typer.echo(json.dumps(summary.to_dict()))
        return
    out.print(_summary_table(summary))
    for f in summary.files:
        if f.quarantined:
            out.print(
                f"{f.quarantined:,} rows of {f.file} quarantined; see: "
                f"ringfence quarantine show {f.file}",
                soft_wrap=True,
            )
        if f.field_problems:
            out.print(
                f"{f.field_problems:,} values of {f.file} did not clean (rows kept); see: "
                f"ringfence quarantine show --kind field {f.file}",
                soft_wrap=True,
            )


@quarantine_app.command("list")
def quarantine_list(
    feed: str | None = typer.Option(None, "--feed", help="Only this feed."),
    org: str | None = typer.Option(None, "--org", help="Only this organisation."),
    kind: str | None = typer.Option(None, "--kind", help=KIND_HELP),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Files with quarantined rows or field problems: how many rows and the commonest reasons."""
    with one_line_errors():
        feed_name = _feed_name(feed)
        files = quarantine_summary(Settings(), feed=feed_name, organisation=org, kind=kind)
    if json_output:
        typer.echo(json.dumps(files))
        return
    if not files:
        out.print("No quarantined rows." if kind == "row" else
                  "No field problems." if kind == "field" else
                  "No quarantined rows and no field problems.")
        return
    table = Table(title="Quarantine and field problems")
    for name in ("file", "feed", "organisation", "kind", "rows", "commonest reasons"):
        table.add_column(name, justify="right" if name == "rows" else "left")
    for f in files:
        reasons = "\n".join(f"{r['count']:,} × {r['reason']}" for r in f["top_reasons"])
        table.add_row(f["source_file"], f["feed"], f["organisation"], KIND_LABELS[f["kind"]],
                      f"{f['rows']:,}", reasons)
    out.print(table)


def _feed_name(feed: str | None) -> str | None:
    from ringfence.model.feeds import feed as feed_spec

    return feed_spec(feed).name if feed else None


@quarantine_app.command("show")
def quarantine_show(
    file: str = typer.Argument(
        ..., metavar="FILE", help="The file as it was ingested (or its base name)."
    ),
    limit: int = typer.Option(
        50, "--limit", "-n", min=1, help="At most this many rows (of each kind)."
    ),
    org: str | None = typer.Option(None, "--org", help="Only this organisation."),
    kind: str | None = typer.Option(None, "--kind", help=KIND_HELP),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The rejected rows and field problems of one file: row, field, reason and raw values."""
    with one_line_errors():
        rows = quarantined_rows(Settings(), file, limit=limit, organisation=org, kind=kind)
    if json_output:
        typer.echo(json.dumps(rows))
        return
    if not rows:
        out.print(f"No quarantined rows or field problems for {file}.")
        return
    table = Table(title=f"Quarantined rows and field problems of {file}")
    for name in ("row", "kind", "field", "reason", "raw values"):
        table.add_column(name, justify="right" if name == "row" else "left", overflow="fold")
    for row in rows:
        problems = row["problems"]
        fields = "\n".join(p["field"] or "(row)" for p in problems)
        reasons = "\n".join(p["reason"] for p in problems)
        raw = ", ".join(f"{k}={v!r}" for k, v in row["raw"].items())
        table.add_row(str(row["source_row"]), KIND_LABELS[row["kind"]], fields, reasons, raw)
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add ``ingest`` and the ``quarantine`` group to ``app``."""
    app.command("ingest")(ingest)
    app.add_typer(quarantine_app, name="quarantine")

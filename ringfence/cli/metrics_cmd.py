"""``ringfence metrics pageviews``: the public measure of page views kept clear of counterfeits."""

from __future__ import annotations

import json

import typer

from ringfence.cli.dates import parse_date
from ringfence.cli.errors import one_line_errors
from ringfence.metrics.pageviews import ALL_BRANDS, DEFINITION, pageview_measure
from ringfence.settings import Settings

metrics_app = typer.Typer(help="Public measures (page views with no valid complaint).",
                          no_args_is_help=True)  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add the ``metrics`` command group."""
    app.add_typer(metrics_app, name="metrics")


@metrics_app.command("pageviews")
def metrics_pageviews(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    brand: str | None = typer.Option(None, "--brand", help="Only listings claiming this brand."),
    since: str | None = typer.Option(None, "--since", help="Only days from this date (ISO)."),
) -> None:
    """Share of listing page views on listings with no valid (upheld) complaint, per day and
    brand (``*`` = all brands)."""
    with one_line_errors():
        start = parse_date(since or None, "--since")
        rows = pageview_measure(Settings(), brand=brand, since=start)
    if as_json:
        doc = {"definition": DEFINITION, "rows": [r.to_dict() for r in rows]}
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    typer.echo("date\tbrand\tviews\tno valid complaint\tif pending upheld")
    for r in rows:
        name = "(all brands)" if r.brand == ALL_BRANDS else (r.brand or "(no brand)")
        typer.echo(f"{r.date}\t{name}\t{r.views}\t{r.share_no_valid_complaint:.3%}\t"
                   f"{r.share_if_pending_upheld:.3%}")  # fmt: skip

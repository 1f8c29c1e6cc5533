"""``ringfence train`` and ``ringfence backtest``: risk models and their out-of-time evaluation
(docs/scoring.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from ringfence.cli.dates import parse_date, required_date
from ringfence.cli.errors import one_line_errors
from ringfence.cli.progress import progress_bar
from ringfence.errors import UserError
from ringfence.settings import Settings
from ringfence.target.explore.weights import DEFAULT_CLIP

console = Console()
err_console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the ``train`` and ``backtest`` commands."""
    app.command()(train)
    app.command()(backtest)


def _budgets(value: str) -> list[float]:
    try:
        budgets = [float(b) for b in value.split(",") if b.strip()]
    except ValueError:
        raise UserError(f"--budgets: '{value}' is not a comma-separated list of percents") from None
    if not budgets or any(not 0 < b <= 100 for b in budgets):
        raise UserError("--budgets: each budget must be a percent in (0, 100]")
    return budgets


PRIOR_HELP = (
    "Pseudo-observations smoothing the risk profiles; default: chosen from 3, 10, 30 on the "
    "training window's later dates (costs one feature pass and first-stage fit per weight)."
)


def _prior_weight(value: float | None) -> float | None:
    if value is not None and not value > 0:
        raise UserError(f"--prior-weight: {value:g} is not a positive number")
    return value


def train(
    until: str | None = typer.Option(None, "--until", help="Last outcome date to learn from."),
    rules: Path | None = typer.Option(None, "--rules", help="Rule file (default rule set)."),
    prior_weight: float | None = typer.Option(None, "--prior-weight", help=PRIOR_HELP),
    weighting: str = typer.Option(
        "inverse",
        "--weighting",
        help="Weight of a label targeting picked with chance p: inverse (1/p), clipped "
        "(min(1/p, --clip)), self_normalised (1/p rescaled so each exploration draw's labels "
        "sum to the shipments it chose from) or none (1).",
    ),
    clip: float = typer.Option(
        DEFAULT_CLIP, "--clip", help="Largest weight with --weighting clipped."
    ),
) -> None:
    """Train one calibrated model per outcome label and store a new model version."""
    from ringfence.score.pipeline import train as train_service

    with one_line_errors(), progress_bar(err_console) as progress:
        model, folder = train_service(
            Settings(), parse_date(until, "--until"), rules, progress=progress,
            prior_weight=_prior_weight(prior_weight), weighting=weighting, clip=clip,
        )  # fmt: skip
    table = Table(title=f"Model {model.version} ({model.train_from} .. {model.train_until})")
    for column in ("label", "validation rows", "positives", "AUC", "average precision"):
        table.add_column(column, justify="right" if column != "label" else "left")
    for label, m in model.models.items():
        v = m.metrics
        table.add_row(
            label,
            f"{v.get('rows', 0):,.0f}",
            f"{v.get('positives', 0):,.0f}",
            f"{v.get('auc', float('nan')):.3f}",
            f"{v.get('average_precision', float('nan')):.3f}",
        )
    console.print(table)
    if "training_sample" in model.extra:
        console.print(_sample_line(model.extra["training_sample"]), highlight=False)
    console.print(_prior_line(model.extra.get("profile_prior", {})), highlight=False)
    console.print(f"Stored in {folder}", highlight=False)


def _sample_line(sample: dict[str, Any]) -> str:
    """What the training sample kept (RINGFENCE_TRAIN_MAX_ROWS), for the train summary."""
    share = float(sample["negative_fraction"])
    drawn = sample.get("positive_fractions") or {}
    positives = f"{sample['positives']:,} with a positive outcome"
    if drawn:  # past POSITIVE_SHARE the positives were drawn too, per label
        labels = ", ".join(f"{label} {q:.1%}" for label, q in drawn.items())
        positives = f"of the {positives}, those of {labels} (other labels' all)"
    else:
        positives = "all " + positives
    return (
        f"Trained on a sample (RINGFENCE_TRAIN_MAX_ROWS={sample['max_rows']:,}): "
        f"{sample['kept']:,} of {sample['labelled']:,} labelled shipments — {positives} "
        f"and {share:.1%} of the others, each weighing the inverse of its chance "
        f"({1 / share:.3g} for the others)"
    )


def _prior_line(chosen: dict[str, Any]) -> str:
    weight = f"Profile prior weight {chosen.get('chosen', float('nan')):g}"
    if not chosen.get("learnt"):
        return weight + " (set)"
    losses = ", ".join(f"{w}: {v:.4f}" for w, v in chosen["validation_log_loss_ratio"].items())
    return f"{weight} (chosen by validation log-loss ratio {losses}; {chosen['seconds']:.1f} s)"


def backtest(
    train_until: str = typer.Option(..., "--train-until", help="Last date of training outcomes."),
    test_from: str = typer.Option(..., "--test-from", help="First date of the test window."),
    test_until: str | None = typer.Option(None, "--test-until", help="Last test date."),
    budgets: str = typer.Option("1,2,5,10", "--budgets", help="Inspection budgets, % of rows."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the report as JSON here."),
    scores_out: Path | None = typer.Option(
        None, "--scores-out", help="Test scores (source_key, label, score): .csv or .parquet."
    ),
    rules: Path | None = typer.Option(None, "--rules", help="Rule file (default rule set)."),
    prior_weight: float | None = typer.Option(None, "--prior-weight", help=PRIOR_HELP),
) -> None:
    """Train up to a date, score a later window, report precision/recall/revenue at budgets."""
    from ringfence.target.backtest import backtest as backtest_service
    from ringfence.target.backtest import write_scores

    with one_line_errors():
        until = required_date(train_until, "--train-until")
        start = required_date(test_from, "--test-from")
        with progress_bar(err_console) as progress:
            result = backtest_service(
                Settings(),
                until,
                start,
                parse_date(test_until, "--test-until"),
                _budgets(budgets),
                rules,
                progress=progress,
                prior_weight=_prior_weight(prior_weight),
            )
        if scores_out is not None:
            write_scores(result.scores, scores_out)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result.report, indent=2), encoding="utf-8")
        console.print(f"Report written to {json_out}", highlight=False)
    else:
        _print_report(result.report)


def _pct(value: Any) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _print_report(report: dict[str, Any]) -> None:
    table = Table(title="Backtest")
    for column in ("label", "ranking", "AUC", "AP", "budget", "selected", "precision", "recall",
                   "revenue"):  # fmt: skip
        table.add_column(column, justify="left" if column in ("label", "ranking") else "right")
    sources = [("model", report["labels"]), *list(report["baselines"].items())]
    for label in report["labels"]:
        for name, per_label in sources:
            m = per_label[label]
            for i, (budget, b) in enumerate(m["budgets"].items()):
                auc = f"{m['auc']:.3f}" if i == 0 and m["auc"] is not None else ""
                ap = f"{m['average_precision']:.3f}" if i == 0 and m["auc"] is not None else ""
                table.add_row(
                    label if i == 0 else "", name if i == 0 else "", auc, ap, f"{budget}%",
                    f"{b['selected']:,}", _pct(b["precision"]), _pct(b["recall"]),
                    _pct(b["revenue"]),
                )  # fmt: skip
        table.add_section()
    console.print(table)
    if "profile_prior" in report:
        console.print(_prior_line(report["profile_prior"]), highlight=False)

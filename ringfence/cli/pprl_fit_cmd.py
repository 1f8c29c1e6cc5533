"""`ringfence pprl fit`: a match model from known matches between two encodings files, or
from the two files alone (``--unsupervised``); docs/pprl.md."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from ringfence.cli.errors import one_line_errors
from ringfence.cli.pprl_cmd import console, pprl_app, warn_skipped
from ringfence.errors import UserError
from ringfence.resolve.pprl.field_model import fit_model
from ringfence.resolve.pprl.io import read_encodings, read_matches
from ringfence.resolve.pprl.match import SkippedBlocks, has_nickname_keys


@pprl_app.command()
def fit(
    left: Path = typer.Argument(..., help="Encodings of one side."),
    right: Path = typer.Argument(..., help="Encodings of the other side (same secret)."),
    matches: Path | None = typer.Option(
        None, "--matches", help="Known matches: CSV or Parquet with left_id, right_id."
    ),
    out: Path = typer.Option(..., "--out", help="Model file (JSON) for `pprl match --model`."),
    unsupervised: bool = typer.Option(
        False,
        "--unsupervised",
        help="No known matches: learn from the two files alone (EM, as clear-text resolution "
        "does) and pick the link threshold of best expected entity F1 (docs/pprl.md, round 14).",
    ),
    split_thresholds: bool = typer.Option(
        False,
        "--split-thresholds",
        help="Choose a link threshold of its own for pairs within one file (docs/pprl.md, "
        "round 7).",
    ),
    date_key_features: bool = typer.Option(
        False,
        "--date-key-features",
        help="Also weigh whether both records hold the birth-date block key and it agrees "
        "(round 8).",
    ),
    dice_hinges: bool = typer.Option(
        False, "--dice-hinges", help="Let each Dice count more near 1, monotone (round 9)."
    ),
    name_minhash: bool = typer.Option(
        False,
        "--name-minhash",
        help="Also compare the pairs MinHash on the name filters finds; the model says so "
        "and `pprl match` with it does the same (round 10).",
    ),
    name_key_features: bool = typer.Option(
        False,
        "--name-key-features",
        help="Also weigh how rare the name words two records share are, from the block keys "
        "(term frequency; round 20).",
    ),
) -> None:
    """Learn a match model from known matches between two encodings files, or with
    --unsupervised from the two files alone.

    Every compared pair not listed in --matches counts as a non-match, so list all the
    matches you know among the records of the two files. The model also stores the link
    threshold of best entity F1 on these files for `pprl match --entities`. Encodings with
    nickname keys (`pprl encode --nickname-keys`) get a model that weighs them.
    """
    with one_line_errors():
        if (matches is None) == (not unsupervised):
            raise UserError("give either --matches FILE or --unsupervised, not both")
        with_matches = (split_thresholds, date_key_features, dice_hinges, name_minhash,
                        name_key_features)  # fmt: skip
        if unsupervised and any(with_matches):
            raise UserError(
                "--split-thresholds, --date-key-features, --dice-hinges, --name-minhash and "
                "--name-key-features go with --matches; --unsupervised always weighs the date "
                "key and the hinges"
            )
    if unsupervised:
        _fit_unsupervised(left, right, out)
        return
    assert matches is not None
    with one_line_errors():
        encodings = read_encodings(left), read_encodings(right)
        skipped = SkippedBlocks()
        result = fit_model(
            *encodings,
            read_matches(matches),
            skipped=skipped,
            split=split_thresholds,
            date_key=date_key_features,
            hinges=dice_hinges,
            lsh=name_minhash,
            nicknames=has_nickname_keys(*encodings),
            name_keys=name_key_features,
        )
        warn_skipped(skipped)
        result.model.save(out)
    summary, choice = result.summary, result.choice
    unknown = summary["unknown"]
    console.print(
        f"Fitted on {summary['compared']:,} compared pairs ({summary['matches_compared']:,} of "
        f"{summary['matches']:,} known matches among them"
        + (f"; {unknown:,} name an id not in its encodings file" if unknown else "")
        + f"); entities link threshold {choice.link_threshold}"
        + (
            f" (within one file {choice.within_link_threshold})"
            if choice.within_link_threshold is not None
            else ""
        )
        + f" (entity F1 {choice.f1:.4f} on these files); wrote {escape(str(out))}",
        highlight=False,
        soft_wrap=True,
    )


def _fit_unsupervised(left: Path, right: Path, out: Path) -> None:
    """`pprl fit --unsupervised`: ``unsupervised.fit_unsupervised``, its model written."""
    from ringfence.resolve.pprl.unsupervised import fit_unsupervised

    with one_line_errors():
        skipped = SkippedBlocks()
        result = fit_unsupervised(read_encodings(left), read_encodings(right), skipped=skipped)
        warn_skipped(skipped)
        result.model.save(out)
    summary, choice = result.summary, result.choice
    console.print(
        f"Fitted without known matches on {summary['compared']:,} compared pairs (EM called "
        f"{summary['called_matches']:,} of them matches); entities link threshold "
        f"{choice.link_threshold} (expected entity F1 {choice.f1:.4f}); wrote "
        f"{escape(str(out))}",
        highlight=False,
        soft_wrap=True,
    )

"""``ringfence pprl``: privacy-preserving record linkage between partners (docs/pprl.md)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyarrow.compute as pc
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ringfence.cli.errors import one_line_errors
from ringfence.cli.progress import progress_bar
from ringfence.errors import UserError
from ringfence.resolve.pprl import (
    DEFAULT_THRESHOLD,
    PprlParams,
    encode_parties,
    load_secret,
    match_encodings,
)
from ringfence.resolve.pprl.entities import (
    CLK_LINK_THRESHOLD,
    FIELD_LINK_THRESHOLD,
    check_link_threshold,
    link_entities,
)
from ringfence.resolve.pprl.field_model import FieldModel, load_field_model
from ringfence.resolve.pprl.io import (
    read_encodings,
    read_parties,
    write_encodings,
    write_pairs,
)
from ringfence.resolve.pprl.match import SkippedBlocks
from ringfence.resolve.pprl.params import (
    FIELD_PARAMS,
    field_subset_params,
    parse_field_flips,
    parse_town_with,
)

console = Console()
err_console = Console(stderr=True)

pprl_app = typer.Typer(
    help="Match party records with a partner without either side revealing them.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``pprl`` command group (``pprl fit`` lives in ``pprl_fit_cmd``)."""
    from ringfence.cli import pprl_fit_cmd  # noqa: F401  (adds its command to pprl_app)

    app.add_typer(pprl_app, name="pprl")


@pprl_app.command()
def encode(
    file: Path = typer.Argument(..., help="Parties file (canonical columns; CSV or Parquet)."),
    secret_file: Path = typer.Option(..., "--secret-file", help="Shared secret, >= 32 bytes."),
    out: Path = typer.Option(..., "--out", help="Encodings file (.parquet, or .jsonl)."),
    field_filters: bool = typer.Option(
        False,
        "--field-filters",
        help="Also a filter per field (name, street, city, postcode, birth date) and a block "
        "key on the birth date: better matches, weaker privacy (docs/pprl.md). Both sides "
        "must choose alike.",
    ),
    filter_fields: str | None = typer.Option(
        None,
        "--filter-fields",
        help="Field filters on these fields only, comma-separated (of name, street, city, "
        "postcode, birth_date; e.g. name,street,birth_date): the others stay in the CLK "
        "alone. The birth-date block key comes with its filter. Implies --field-filters; "
        "both sides must choose alike.",
    ),
    flip_probability: float = typer.Option(
        0.0,
        "--flip-probability",
        help="BLIP: replace each filter bit by a random bit with this probability (keyed, "
        "per record id; docs/pprl.md). Both sides must choose alike.",
    ),
    field_flip: str | None = typer.Option(
        None,
        "--field-flip",
        help="BLIP at a rate of its own for some field filters, comma-separated FIELD=F "
        "(e.g. city=0.3,birth_date=0.1; each F in [0, 0.5)); the CLK and the other filters "
        "keep --flip-probability. Needs those fields' filters; both sides must choose alike.",
    ),
    date_block: str = typer.Option(
        "day",
        "--date-block",
        help="The birth-date block key on the exact date (day, the default), the year and "
        "month (month) or the year (year): the receiver learns who shares a birth year, not "
        "a date. Needs the birth-date block key; both sides must choose alike.",
    ),
    date_key_max_ratio: float = typer.Option(
        0.0,
        "--date-key-max-ratio",
        help="Leave out of the birth-date block key every date this file holds more than R "
        "times as often as a uniform spread of its year's records over the year's days "
        "would, and in more than R records (e.g. 1 January placeholders); those records keep "
        "their date filter. 0 (the default): off. Needs the exact birth-date block key; both "
        "sides must choose alike.",
    ),
    date_key_fallback: str = typer.Option(
        "none",
        "--date-key-fallback",
        help="With --date-key-max-ratio: a withheld date gets no key (none, the default) or "
        "its birth year's (year). Both sides must choose alike.",
    ),
    town_with: str | None = typer.Option(
        None,
        "--town-with",
        help="No filter of the town's own: its q-grams go into the filter of the street, the "
        "postcode or both (comma-separated, e.g. postcode), for records holding that field, "
        "so identical patterns mean an identical street- or postcode-in-town. Needs those "
        "fields' filters and none for the town (city); both sides must choose alike.",
    ),
    town_filter_without_host: bool = typer.Option(
        False,
        "--town-filter-without-host",
        help="With --town-with: the town keeps a filter of its own (city among the filter "
        "fields) for records holding none of those fields only (no street, say), under a key "
        "of its own; a record holding one has its town in that field's filter only. Both "
        "sides must choose alike.",
    ),
    date_key: bool = typer.Option(
        False,
        "--date-key",
        help="The birth-date block key even without a birth-date filter (the date then in "
        "the CLK and the key only; docs/pprl.md, round 7). Both sides must choose alike.",
    ),
    nickname_keys: bool = typer.Option(
        False,
        "--nickname-keys",
        help="Also keyed nickname keys of each person's name (\"Bill Searle\" and \"William "
        "Searle\" share one), which a model from 'pprl fit' may weigh (docs/pprl.md, round "
        "12). Both sides must choose alike.",
    ),
    name_key_max_share: float = typer.Option(
        0.0,
        "--name-key-max-share",
        help="Leave out every name block key (a name word's or two words' sound code with "
        "the country) that more than this share of this file's records hold, and more than "
        "10 of them: a frequency attack names such keys' words (docs/pprl.md, round 21). "
        "0 (the default): off. Both sides must choose alike.",
    ),
) -> None:
    """Encode a parties file into keyed Bloom-filter encodings that reveal no names."""
    with one_line_errors():
        secret = load_secret(secret_file)
        parties = read_parties(file)
        if filter_fields is not None:
            params = field_subset_params(filter_fields)
        else:
            params = FIELD_PARAMS if field_filters else PprlParams()
        flips = parse_field_flips(field_flip) if field_flip is not None else {}
        params = replace(
            params,
            block_on=("birth_date",) if date_key else params.block_on,
            flip_probability=flip_probability,
            field_flip_probabilities=flips,
            date_block=date_block,
            date_key_max_ratio=date_key_max_ratio,
            date_key_fallback=date_key_fallback,
            town_with=parse_town_with(town_with) if town_with is not None else (),
            town_filter_without_host=town_filter_without_host,
            name_nicknames=nickname_keys,
            name_key_max_share=name_key_max_share,
        )
        with progress_bar(err_console) as progress:
            encodings = encode_parties(parties, secret, params, progress=progress)
        write_encodings(encodings, out)
    console.print(
        f"Encoded {encodings.num_rows:,} parties into {escape(str(out))}",
        highlight=False,
        soft_wrap=True,
    )


@pprl_app.command()
def match(
    ctx: typer.Context,
    left: Path = typer.Argument(..., help="Encodings of one side."),
    right: Path = typer.Argument(..., help="Encodings of the other side (same secret)."),
    threshold: float = typer.Option(
        DEFAULT_THRESHOLD, "--threshold", min=0.0, max=1.0, help="Lowest score reported."
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Pairs (or entities) file (.parquet or .csv); a table on stdout without it.",
    ),
    one_to_one: bool = typer.Option(
        False, "--one-to-one", help="Keep only each record's best partner."
    ),
    model: Path | None = typer.Option(
        None, "--model", help="A model from `ringfence pprl fit` instead of the shipped one."
    ),
    entities: bool = typer.Option(
        False,
        "--entities",
        help="Write entities instead of pairs: side, id, entity_id for every record of both "
        "files, closing links scored across and within the sides (docs/pprl.md).",
    ),
    link_threshold: float | None = typer.Option(
        None,
        "--link-threshold",
        help=f"With --entities: lowest score that links two records (default: the one "
        f"--model's fit chose, else {FIELD_LINK_THRESHOLD} with field filters or --model, "
        f"{CLK_LINK_THRESHOLD} without).",
    ),
) -> None:
    """Match two encodings files; write left_id, right_id, score, exact_matches (with
    --entities: side, id, entity_id)."""
    with one_line_errors():
        _check_match_options(ctx, entities, one_to_one, link_threshold)
        fitted = load_field_model(model) if model is not None else None
        if entities:
            _write_entities(left, right, link_threshold, fitted, out)
            return
        skipped = SkippedBlocks()
        pairs = match_encodings(
            read_encodings(left),
            read_encodings(right),
            threshold,
            one_to_one=one_to_one,
            model=fitted,
            skipped=skipped,
        )
        warn_skipped(skipped)
        if out is not None:
            write_pairs(pairs, out)
    if out is not None:
        console.print(
            f"Wrote {pairs.num_rows:,} pairs to {escape(str(out))}", highlight=False, soft_wrap=True
        )
        return
    table = Table("left_id", "right_id", "score", "exact_matches")
    for row in pairs.to_pylist():
        table.add_row(
            escape(row["left_id"]), escape(row["right_id"]), f"{row['score']:.4f}",
            escape(row["exact_matches"]),
        )  # fmt: skip
    console.print(table)


def _check_match_options(
    ctx: typer.Context, entities: bool, one_to_one: bool, link_threshold: float | None
) -> None:
    """Refuse options that mean nothing together (pairs' options with --entities and back)."""
    if not entities and link_threshold is not None:
        raise UserError("--link-threshold applies only with --entities")
    if entities and one_to_one:
        raise UserError("--one-to-one applies to pairs, not with --entities")
    # By name: typer ships its own click, whose ParameterSource is not click's.
    source = ctx.get_parameter_source("threshold")
    if entities and getattr(source, "name", "") == "COMMANDLINE":
        raise UserError("--threshold applies to pairs; with --entities use --link-threshold")


def _write_entities(
    left: Path,
    right: Path,
    link_threshold: float | None,
    model: FieldModel | None,
    out: Path | None,
) -> None:
    """``pprl match --entities``: the entities table to ``out``, or as a table on stdout."""
    if link_threshold is not None:
        check_link_threshold(link_threshold)
    skipped = SkippedBlocks()
    table = link_entities(
        read_encodings(left), read_encodings(right), link_threshold, model, skipped=skipped
    )
    warn_skipped(skipped)
    groups = pc.count_distinct(table["entity_id"]).as_py()
    if out is not None:
        write_pairs(table, out)
        console.print(
            f"Wrote {table.num_rows:,} records in {groups:,} entities to {escape(str(out))}",
            highlight=False,
            soft_wrap=True,  # a path broken over lines cannot be copied
        )
        return
    rows = Table("side", "id", "entity_id")
    for row in table.to_pylist():
        rows.add_row(row["side"], escape(row["id"]), escape(row["entity_id"]))
    console.print(rows)


def warn_skipped(skipped: SkippedBlocks) -> None:
    """One warning line on stderr when over-common block keys or codes were skipped: their
    number (by kind) and the pairs they would have made, never the keys themselves."""
    if not skipped:
        return
    count = skipped.keys
    kinds = [f"{n:,} {kind}{'s' if n != 1 else ''}" for kind, n in skipped.keys_by_kind.items()]
    what = kinds[0] if len(kinds) == 1 else f"{count:,} keys ({', '.join(kinds)})"
    one = count == 1
    err_console.print(
        f"warning: {what} shared by {skipped.pairs:,} candidate pairs "
        f"{'was' if one else 'were'} skipped (over the {skipped.limit:,}-pair limit"
        f"{'' if one else ' each'}); records sharing only {'that key' if one else 'those keys'} "
        "are not compared",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )

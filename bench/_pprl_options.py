"""bench/pprl.py's options as encodings: which ``PprlParams`` the sweep options name, and a copy
of the parsed options with some changed."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from ringfence.resolve.pprl import PprlParams
from ringfence.resolve.pprl.params import FIELD_PARAMS, field_subset_params, parse_town_with


def add_encoding_options(parser: argparse.ArgumentParser) -> None:
    """The options that choose the encodings swept (``field_sets`` reads them)."""
    parser.add_argument(
        "--filter-fields",
        nargs="+",
        metavar="F1,F2",
        help="with --blip-sweep: field filters on these fields only (comma-separated, as "
        "'ringfence pprl encode --filter-fields'); several sets are swept in turn",
    )
    parser.add_argument(
        "--field-flip",
        nargs="+",
        metavar="F=P,F2=P2",
        help="with --blip-sweep: flip rates of some field filters' own (as 'ringfence pprl "
        "encode --field-flip', e.g. city=0.3,birth_date=0.1); each set with each F in turn",
    )
    parser.add_argument(
        "--no-block-on",
        action="store_true",
        help="with --blip-sweep: field filters without the birth-date block key",
    )
    parser.add_argument(
        "--date-block",
        choices=("day", "month", "year"),
        default="day",
        help="with --blip-sweep: the birth-date block key on the year (and month) only",
    )
    parser.add_argument(
        "--date-key-only",
        action="store_true",
        help="with --filter-fields: the birth-date block key even for sets without the "
        "birth-date filter (the date then only in the CLK and the key; round 7)",
    )
    parser.add_argument(
        "--nickname-keys",
        action="store_true",
        help="with --blip-sweep: encodings with persons' nickname keys (name_nicknames) and "
        "a fitted model that weighs a shared one (round 12)",
    )
    parser.add_argument(
        "--name-key-max-share",
        type=float,
        default=0.0,
        metavar="S",
        help="with --blip-sweep or --unsupervised-only: encodings without the name block keys "
        "more than a share S of a file's records hold (round 21)",
    )
    parser.add_argument(
        "--date-key-max-ratio",
        type=float,
        nargs="+",
        metavar="R",
        help="with --blip-sweep: leave dates over-frequent in each file out of the birth-date "
        "block key (as 'ringfence pprl encode --date-key-max-ratio'); each R in turn",
    )
    parser.add_argument(
        "--date-key-fallback",
        nargs="+",
        choices=("none", "year"),
        default=["none"],
        help="with --date-key-max-ratio: the withheld dates' key (none, or the year's); each "
        "in turn",
    )
    parser.add_argument(
        "--town-with",
        nargs="+",
        metavar="H1,H2",
        help="with --blip-sweep: the town's q-grams in these fields' filters instead of a "
        "filter of its own (as 'ringfence pprl encode --town-with', e.g. postcode or "
        "street,postcode); each set in turn",
    )
    parser.add_argument(
        "--composite-flip",
        type=float,
        nargs="+",
        metavar="F",
        default=[0.0],
        help="with --town-with: the flip rate of the filters holding the town (their own "
        "rate, as --field-flip HOST=F); each F in turn",
    )
    parser.add_argument(
        "--town-filter-without-host",
        action="store_true",
        help="with --town-with: a town filter (city among --filter-fields) for records holding "
        "none of the hosts only (as 'ringfence pprl encode --town-filter-without-host')",
    )


def field_sets(args: argparse.Namespace) -> list[PprlParams]:
    """The encodings the sweep options name (none: ``FIELD_PARAMS`` alone is meant)."""
    field_sets = [field_subset_params(f) for f in args.filter_fields or []]
    if args.date_key_only:
        field_sets = [replace(p, block_on=("birth_date",)) for p in field_sets or [FIELD_PARAMS]]
    if args.no_block_on:
        field_sets = [replace(p, block_on=()) for p in field_sets or [FIELD_PARAMS]]
    if args.date_block != "day":
        field_sets = [replace(p, date_block=args.date_block)
                      for p in field_sets or [FIELD_PARAMS]]  # fmt: skip
    if args.date_key_max_ratio:
        field_sets = [replace(p, date_key_max_ratio=r, date_key_fallback=fallback)
                      for p in field_sets or [FIELD_PARAMS]
                      for r in args.date_key_max_ratio
                      for fallback in args.date_key_fallback]  # fmt: skip
    if args.town_with:
        field_sets = [
            replace(p, town_with=hosts, field_flip_probabilities={h: f for h in hosts},
                    town_filter_without_host=args.town_filter_without_host)
            for p in field_sets or [FIELD_PARAMS]
            for hosts in map(parse_town_with, args.town_with)
            for f in args.composite_flip
        ]
    if args.nickname_keys:
        field_sets = [replace(p, name_nicknames=True) for p in field_sets or [FIELD_PARAMS]]
    if args.name_key_max_share:
        field_sets = [replace(p, name_key_max_share=args.name_key_max_share)
                      for p in field_sets or [FIELD_PARAMS]]  # fmt: skip
    return field_sets


def replace_args(args: argparse.Namespace, **changes: Any) -> argparse.Namespace:
    """A copy of parsed options with some changed."""
    return argparse.Namespace(**(vars(args) | changes))

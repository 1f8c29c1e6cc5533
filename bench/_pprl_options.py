"""bench/pprl.py's options as encodings: which ``PprlParams`` the sweep options name, and a copy
of the parsed options with some changed."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from ringfence.resolve.pprl import PprlParams
from ringfence.resolve.pprl.params import FIELD_PARAMS, field_subset_params, parse_town_with


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

"""Untuned Splink on name pairs, for bench/names.py: its name comparison as its examples use it.

One table of the pairs' left and right names; ``cl.NameComparison("name")`` with the default
m-probabilities of its levels (never trained: there is nothing to train m on in a list of names),
u-probabilities from random sampling over those names, and the prior set to even odds — the
same "put side by side" prior as the name model — and the pairs scored exactly as given.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pandas as pd
import pyarrow as pa
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator


def splink_untuned(pairs: list[Any]) -> tuple[list[float], float]:
    """Match probabilities of ``pairs`` (objects with ``left`` and ``right``), and seconds."""
    started = time.perf_counter()
    ids = [f"{i:07d}" for i in range(len(pairs))]
    records = pd.DataFrame(
        {
            "unique_id": ["L" + i for i in ids] + ["R" + i for i in ids],
            "name": [p.left for p in pairs] + [p.right for p in pairs],
        }
    )
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[cl.NameComparison("name")],
        probability_two_random_records_match=0.5,
        retain_matching_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(records), settings, log_level=None)
    logging.getLogger("splink").setLevel(logging.ERROR)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    blocked = pa.table(
        {
            "match_key": ["0"] * len(ids),
            "join_key_l": ["L" + i for i in ids],
            "join_key_r": ["R" + i for i in ids],
        }
    )
    linker.table_management.register_blocked_pairs_for_predict(db_api.register(blocked))
    scored = linker.inference.predict(warning_mode="never").as_pandas_dataframe()
    by_id = dict(zip(scored["unique_id_l"], scored["match_probability"], strict=True))
    return [float(by_id.get("L" + i, 0.0)) for i in ids], time.perf_counter() - started

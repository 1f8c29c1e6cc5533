"""bench/pprl.py's clear-text matchers on the same records as PPRL: rapidfuzz features of the
candidate pairs, and the project's own resolution (``ringfence resolve``'s steps)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from rapidfuzz import fuzz

from ringfence.resolve.pprl.encode import clean_parties
from ringfence.resolve.pprl.params import EXACT_FIELDS


def clear_text_features(
    left: pa.Table, right: pa.Table, li: np.ndarray, ri: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Clear-text comparison of the same pairs: token-sort ratio of names, equal identifiers
    and identifiers both sides have but that differ."""
    lc, rc = clean_parties(left), clean_parties(right)
    lnames = [" ".join(t) for t in lc["name_tokens"]]
    rnames = [" ".join(t) for t in rc["name_tokens"]]
    ratio = np.array(
        [fuzz.token_sort_ratio(lnames[a], rnames[b]) / 100.0 for a, b in zip(li, ri, strict=True)]
    )
    agree, differ = {}, {}
    for name in EXACT_FIELDS:
        lv, rv = lc[name], rc[name]
        agree[name] = np.array(
            [lv[a] is not None and lv[a] == rv[b] for a, b in zip(li, ri, strict=True)], dtype=bool
        )
        present = np.array(
            [lv[a] is not None and rv[b] is not None for a, b in zip(li, ri, strict=True)],
            dtype=bool,
        )
        differ[name] = present & ~agree[name]
    return ratio, agree, differ


def resolution_pairs(
    left: pa.Table, right: pa.Table, unlabelled: tuple[pa.Table, ...] = ()
) -> dict[str, set[tuple[str, str]]]:
    """The project's own clear-text matcher on the same records: ``ringfence resolve``'s own
    steps (``pipeline.clean_mentions`` and ``cluster_mentions``: cleaning, rare words,
    training, the refitted prior, prediction at the 0.5 threshold, connected components) run
    over left and right together, with the ``unlabelled`` records too (the train world's,
    without its labels: resolution learns unsupervised from all the records it is given, as
    PPRL's fitted model learns from the train world's labels). Returns the left×right pairs it
    links directly (``pairs``, what compare-parties would call a match) and those it puts in
    one entity (``entities``)."""
    from ringfence.resolve.model import MATCH_THRESHOLD
    from ringfence.resolve.pipeline import clean_mentions, cluster_mentions
    from ringfence.settings import Settings
    from ringfence.store.engine import open_engine

    # Two simulated worlds number their mentions alike: the unlabelled records get ids of
    # their own, or resolution would see one id twice.
    unlabelled = tuple(_prefixed(t, f"unlabelled{i}:") for i, t in enumerate(unlabelled))
    cleaned, _ = clean_mentions(_as_ingested(pa.concat_tables([left, right, *unlabelled])))
    with tempfile.TemporaryDirectory(prefix="rf-bench-pprl-") as folder:
        settings = Settings(data_dir=Path(folder))
        engine = open_engine(settings)
        try:
            scratch = settings.data_dir / "tmp" / "splink"
            clusters, linker, _ = cluster_mentions(engine, cleaned, scratch, lambda *_a, **_k: 0)
            # The linker now holds the refitted prior, so 0.5 here is the pipeline's own links.
            linked = linker.inference.predict(threshold_match_probability=MATCH_THRESHOLD)
            linked = linked.as_pandas_dataframe()[["unique_id_l", "unique_id_r"]]
        finally:
            engine.close()
    return _left_right_pairs(left, right, linked, clusters)


def _left_right_pairs(
    left: pa.Table, right: pa.Table, linked: Any, clusters: Any
) -> dict[str, set[tuple[str, str]]]:
    """``resolution_pairs``' answer from resolution's direct links (``linked``) and clusters,
    both pandas frames: the left×right pairs among them, left id first."""
    left_ids, right_ids = set(left["id"].to_pylist()), set(right["id"].to_pylist())
    pairs = set()
    for a, b in zip(linked["unique_id_l"], linked["unique_id_r"], strict=True):
        if a in left_ids and b in right_ids:
            pairs.add((a, b))
        elif b in left_ids and a in right_ids:
            pairs.add((b, a))
    entity = dict(zip(clusters["mention_id"], clusters["cluster_id"], strict=True))
    members: dict[Any, list[str]] = {}
    for rid in right["id"].to_pylist():
        members.setdefault(entity[rid], []).append(rid)
    together = {(a, b) for a in left_ids for b in members.get(entity[a], [])}
    return {"pairs": pairs, "entities": together}


def _prefixed(parties: pa.Table, prefix: str) -> pa.Table:
    ids = pa.array([prefix + v for v in parties["id"].to_pylist()], pa.string())
    return parties.set_column(parties.schema.get_field_index("id"), "id", ids)


def _as_ingested(parties: pa.Table) -> pa.Table:
    """``birth_date`` cleaned as ingestion cleans it (``19560909`` -> ``1956-09-09``; a value
    that is no date dropped, as a field problem drops it), so resolution and PPRL see the same
    dates."""
    from ringfence.model.types import InvalidValue, registry

    def clean(value: str | None) -> str | None:
        try:
            return registry["birth_date"].clean(value) if value and value.strip() else None
        except InvalidValue:
            return None

    dates = [clean(v) for v in parties.column("birth_date").to_pylist()]
    index = parties.schema.get_field_index("birth_date")
    return parties.set_column(index, "birth_date", pa.array(dates, pa.string()))

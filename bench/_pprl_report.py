"""bench/pprl.py's blocks of the JSON it prints: both matchers fitted on the train world and
scored on the eval world (with the eval world's blocking and speed figures), the project's
clear-text resolution beside them, the end-to-end throughput, and the entities-mode F1s
against resolution's."""

from __future__ import annotations

import time
from typing import Any

import pyarrow as pa

from bench._pprl_clear import resolution_pairs
from bench._pprl_clk import clk_model_run
from bench._pprl_eval import SECRET, World, prf
from bench._pprl_fields import entities_run
from bench._pprl_score import score_side
from bench._pprl_sources import Source
from bench._pprl_world import make_world
from ringfence.resolve.pprl import PprlParams, encode_parties, match_encodings
from ringfence.resolve.pprl.match import candidate_pairs
from ringfence.resolve.pprl.params import ScoreModel


def run(
    train_source: Source, eval_source: Source, params: PprlParams, resolution: bool = False
) -> dict[str, Any]:
    """Fit and tune both matchers on a train world, score them on an eval world; with
    ``resolution``, also run the project's clear-text resolution on the eval world."""
    train, test = World(train_source, params), World(eval_source, params)
    pprl = score_side(train, test, "dice", "agree", "differ")
    clear = score_side(train, test, "ratio", "clear_agree", "clear_differ")
    del clear["f1_with_shipped_defaults"]
    result: dict[str, Any] = {
        "pprl": pprl,
        "clear_text": clear,
        "f1_difference": round(clear["f1"] - pprl["f1"], 4),
    }
    if resolution:
        result |= _resolution_side(test, pprl["f1"], (train.left, train.right))
        # The hand-set noisy-OR CLK score (the default before clk_model.json), and the shipped
        # CLK model on the same encodings.
        result["pprl_entities"] = entities_run(train, test, ScoreModel())
        result["pprl_clk_model"] = clk_model_run(train, test)
    return result | {"eval_world": _eval_world(test), "throughput": _throughput(test)}


def _eval_world(test: World) -> dict[str, Any]:
    """The eval world's size and PPRL blocking's pair completeness and reduction ratio."""
    blocked_truth = len(test.truth & set(test.pair_ids))
    return {
        "left_records": test.left.num_rows,
        "right_records": test.right.num_rows,
        "true_pairs": len(test.truth),
        "candidate_pairs": len(test.pair_ids),
        "blocking_pair_completeness": round(blocked_truth / max(len(test.truth), 1), 4),
        "reduction_ratio": round(
            1 - len(test.pair_ids) / (test.left.num_rows * test.right.num_rows), 6
        ),
    }


def _throughput(test: World) -> dict[str, Any]:
    """How fast the eval world was encoded and its candidate pairs compared."""
    records = test.left.num_rows + test.right.num_rows
    return {
        "encode_records_per_s": round(records / test.encode_seconds),
        "match_candidate_pairs_per_s": round(len(test.pair_ids) / test.match_seconds),
        "match_seconds": round(test.match_seconds, 3),
    }


def _resolution_side(
    test: World, pprl_f1: float, unlabelled: tuple[pa.Table, ...] = ()
) -> dict[str, Any]:
    """The project's clear-text resolution on the eval records, next to the PPRL F1.

    No tuning on the eval world: the Splink model trains unsupervised on the eval records and
    the ``unlabelled`` (train) records, exactly as ``ringfence resolve`` trains on a lake, and
    uses the shipped 0.5 threshold; only eval-world pairs are scored.
    """
    started = time.perf_counter()
    resolved = resolution_pairs(test.left, test.right, unlabelled)
    scores = {
        kind: prf(len(found), len(found & test.truth), len(test.truth))
        for kind, found in resolved.items()
    }
    return {
        "clear_text_resolution": {
            "linked_pairs": scores["pairs"],
            "same_entity": scores["entities"],
            "seconds": round(time.perf_counter() - started, 2),
        },
        "f1_difference_vs_resolution": round(scores["pairs"]["f1"] - pprl_f1, 4),
    }


def throughput(entities: int, seed: int) -> dict[str, Any]:
    """End-to-end speed of the service functions on one large world (no clear-text run)."""
    left, right, _ = make_world(seed, entities)
    start = time.perf_counter()
    enc_left = encode_parties(left, SECRET)
    enc_right = encode_parties(right, SECRET)
    encode_seconds = time.perf_counter() - start
    start = time.perf_counter()
    li, _ = candidate_pairs(enc_left, enc_right)
    pairs = match_encodings(enc_left, enc_right)
    match_seconds = time.perf_counter() - start
    records = left.num_rows + right.num_rows
    return {
        "data": f"synthetic world of {entities} entities (bench/_pprl_world.py)",
        "records": records,
        "candidate_pairs": len(li),
        "pairs_out": pairs.num_rows,
        "encode_seconds": round(encode_seconds, 2),
        "encode_records_per_s": round(records / encode_seconds),
        "match_seconds": round(match_seconds, 2),
        "match_candidate_pairs_per_s": round(len(li) / match_seconds),
    }


def entities_vs_resolution(result: dict[str, Any]) -> None:
    """Each entities-mode F1 minus clear-text resolution's F1 as entities, in place."""
    clear = result["clear_text_resolution"]["same_entity"]["f1"]
    fields = result["pprl_field_filters"]
    blocks = (
        result["pprl_entities"],
        result["pprl_clk_model"]["entities"],
        fields["entities"],
        fields["shipped_model"]["entities"],
    )
    for block in blocks:
        block["f1_difference_vs_resolution_entities"] = round(block["f1"] - clear, 4)
    fit = fields["entities"]["at_fit_link_threshold"]  # the fitted model's own default
    fit["f1_difference_vs_resolution_entities"] = round(fit["f1"] - clear, 4)

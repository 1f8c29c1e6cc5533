"""PPRL quality and speed: privacy-preserving vs clear-text matching on the same labelled records.

    .venv/bin/python bench/pprl.py [--sim-days 30] [--sim-scale 0.5] [--seed 11]
    .venv/bin/python bench/pprl.py --synthetic [--entities 5000] [--unfolded] [--throughput N]
    .venv/bin/python bench/pprl.py --public febrl4   # or febrl3; fake_1000 / historical_50k
                                                     # with --splink-datasets DIR
    .venv/bin/python bench/pprl.py --pick-link-thresholds out/*.json  # entities' defaults

Two labelled worlds (train and eval): by default ringfence.sim worlds after ingestion (the
carrier's parties against every other partner's, labelled from truth/parties.parquet); with
--synthetic, bench/_pprl_world.py's noisy aliases. Both matchers score the same candidate pairs
(the PPRL blocking); each fits its Dice/ratio floor and exact weights on the train world only
and is scored on the eval world. Entities mode (``pprl match --entities``; bench/_pprl_fields.py)
is scored for the shipped CLK score and the fitted and shipped field models, each with the link
threshold of best entity F1 on the train world, and the fitted model also at the threshold
``pprl fit`` stores in it. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from rapidfuzz import fuzz

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import machine
from bench._pprl_fields import (
    FIELD_MODEL_WORLDS,
    entities_run,
    field_run,
    fit_on,
    pick_link_thresholds,
)
from bench._pprl_sources import Source, public_sources, world_sources
from bench._pprl_world import make_world
from ringfence.resolve.pprl import PprlParams, encode_parties, match_encodings
from ringfence.resolve.pprl.encode import clean_parties
from ringfence.resolve.pprl.match import (
    DEFAULT_THRESHOLD,
    candidate_pairs,
    clk_matrix,
    combine_scores,
    dice,
    exact_agreements,
    exact_disagreements,
)
from ringfence.resolve.pprl.params import EXACT_FIELDS, FIELD_PARAMS, ScoreModel

SECRET = b"bench secret, not for production use, 32+ bytes long"


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


def _prf(predicted: int, correct: int, true: int) -> dict[str, float]:
    precision = correct / predicted if predicted else 1.0
    recall = correct / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


class World:
    """One labelled world with its encodings, candidate pairs and both matchers' features
    (the clear-text matcher's only with ``clear``)."""

    def __init__(self, source: Source, params: PprlParams, clear: bool = True) -> None:
        self.left, self.right, self.truth = source
        start = time.perf_counter()
        self.enc_left = encode_parties(self.left, SECRET, params)
        self.enc_right = encode_parties(self.right, SECRET, params)
        self.encode_seconds = time.perf_counter() - start
        start = time.perf_counter()
        self.li, self.ri = candidate_pairs(self.enc_left, self.enc_right)
        self.dice = dice(clk_matrix(self.enc_left), clk_matrix(self.enc_right), self.li, self.ri)
        self.agree = exact_agreements(self.enc_left, self.enc_right, self.li, self.ri)
        self.differ = exact_disagreements(self.enc_left, self.enc_right, self.li, self.ri)
        self.match_seconds = time.perf_counter() - start
        if clear:
            self.ratio, self.clear_agree, self.clear_differ = clear_text_features(
                self.left, self.right, self.li, self.ri
            )
        lid, rid = self.left["id"].to_pylist(), self.right["id"].to_pylist()
        self.pair_ids = [(lid[a], rid[b]) for a, b in zip(self.li, self.ri, strict=True)]
        self.labels = np.array([pair in self.truth for pair in self.pair_ids], dtype=bool)

    def evaluate(self, scores: np.ndarray, threshold: float) -> dict[str, float]:
        """Precision, recall, F1 of pairs scoring >= threshold (recall counts blocking misses)."""
        predicted = scores >= threshold
        return _prf(int(predicted.sum()), int((predicted & self.labels).sum()), len(self.truth))


def fit_model(
    world: World,
    similarity: np.ndarray,
    agree: dict[str, np.ndarray],
    differ: dict[str, np.ndarray],
) -> tuple[ScoreModel, float]:
    """Score model with the best F1 at the default threshold on a training world.

    Each exact weight is the share of candidate pairs agreeing on that identifier that are
    true matches; the Dice floor is then searched on a grid. Then each disagreement factor is
    the share of true matches among the pairs that model calls a match but whose identifier of
    that kind differs (kept at 1 below ``MIN_DISAGREEING`` such pairs), the floor is searched
    again, and the model with disagreement factors is kept only if its train F1 is higher.
    """
    y = world.labels
    weights = {}
    for name in EXACT_FIELDS:
        agreeing = agree[name]
        share = float(y[agreeing].mean()) if agreeing.any() else 0.5
        weights[name] = round(min(share, 0.99), 3)
    plain = _best_floor(world, similarity, agree, differ, ScoreModel(0.0, weights))
    called = combine_scores(similarity, agree, plain) >= DEFAULT_THRESHOLD
    factors = {}
    for name in EXACT_FIELDS:
        disagreeing = differ[name] & called
        if disagreeing.sum() >= MIN_DISAGREEING:
            factors[name] = round(max(float(y[disagreeing].mean()), 0.01), 3)
    with_factors = _best_floor(world, similarity, agree, differ, ScoreModel(0.0, weights, factors))

    def train_f1(model: ScoreModel) -> float:
        scores = combine_scores(similarity, agree, model, differ)
        return world.evaluate(scores, DEFAULT_THRESHOLD)["f1"]

    return max((plain, with_factors), key=train_f1), DEFAULT_THRESHOLD


# Fewer would-be matches than this disagreeing on an identifier: no factor is learnt for it.
MIN_DISAGREEING = 20


def _best_floor(
    world: World,
    similarity: np.ndarray,
    agree: dict[str, np.ndarray],
    differ: dict[str, np.ndarray],
    model: ScoreModel,
) -> ScoreModel:
    """``model`` with the Dice floor of best train F1.

    Only pairs without an agreeing identifier depend on the floor: they match when
    Dice >= floor + threshold * (1 - floor). With the threshold fixed, the floor alone sets
    that cut, on a fine grid, and the shipped default threshold keeps its meaning.
    """
    models = [replace(model, dice_floor=round(float(f), 3)) for f in np.arange(0.0, 0.99, 0.005)]
    return max(
        models,
        key=lambda m: world.evaluate(
            combine_scores(similarity, agree, m, differ), DEFAULT_THRESHOLD
        )["f1"],
    )


def _side(train: World, test: World, feature: str, agree: str, differ: str) -> dict[str, Any]:
    model, threshold = fit_model(
        train, getattr(train, feature), getattr(train, agree), getattr(train, differ)
    )
    scores = combine_scores(
        getattr(test, feature), getattr(test, agree), model, getattr(test, differ)
    )
    default = test.evaluate(combine_scores(test.dice, test.agree, ScoreModel()), DEFAULT_THRESHOLD)
    return {
        **test.evaluate(scores, threshold),
        "threshold": threshold,
        "model": asdict(model),
        "f1_with_shipped_defaults": default["f1"],
    }


def run(
    train_source: Source, eval_source: Source, params: PprlParams, resolution: bool = False
) -> dict[str, Any]:
    """Fit and tune both matchers on a train world, score them on an eval world; with
    ``resolution``, also run the project's clear-text resolution on the eval world."""
    train, test = World(train_source, params), World(eval_source, params)
    pprl = _side(train, test, "dice", "agree", "differ")
    clear = _side(train, test, "ratio", "clear_agree", "clear_differ")
    del clear["f1_with_shipped_defaults"]
    records = test.left.num_rows + test.right.num_rows
    blocked_truth = len(test.truth & set(test.pair_ids))
    result: dict[str, Any] = {
        "pprl": pprl,
        "clear_text": clear,
        "f1_difference": round(clear["f1"] - pprl["f1"], 4),
    }
    if resolution:
        result |= _resolution_side(test, pprl["f1"], (train.left, train.right))
        result["pprl_entities"] = entities_run(train, test, None)  # the shipped CLK score
    return result | {
        "eval_world": {
            "left_records": test.left.num_rows,
            "right_records": test.right.num_rows,
            "true_pairs": len(test.truth),
            "candidate_pairs": len(test.pair_ids),
            "blocking_pair_completeness": round(blocked_truth / max(len(test.truth), 1), 4),
            "reduction_ratio": round(
                1 - len(test.pair_ids) / (test.left.num_rows * test.right.num_rows), 6
            ),
        },
        "throughput": {
            "encode_records_per_s": round(records / test.encode_seconds),
            "match_candidate_pairs_per_s": round(len(test.pair_ids) / test.match_seconds),
            "match_seconds": round(test.match_seconds, 3),
        },
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
        kind: _prf(len(found), len(found & test.truth), len(test.truth))
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


def write_field_model(args: argparse.Namespace) -> None:
    """Fit the field model on the train worlds of ``FIELD_MODEL_WORLDS``, the simulator's and
    the synthetic world's, each weighing the same, and write it to ``args.write_field_model``.

    The CLK's own Dice is left out: what it means shifts with the fields a record holds (name
    and town only, or name, address and date of birth), and with it the model fitted on the
    public sets and the simulator called 84 % of its matches wrongly on the synthetic world.
    """
    sources = [public_sources(name, args.splink_datasets) for name in FIELD_MODEL_WORLDS]
    sources.append(world_sources(replace_args(args, synthetic=False)))
    sources.append(world_sources(replace_args(args, synthetic=True)))
    worlds = [World(train, FIELD_PARAMS, clear=False) for train, _, _ in sources]
    trained_on = "; ".join(f"train world of {description}" for _, _, description in sources)
    model = fit_on(*worlds, trained_on=trained_on, exclude=("dice",))
    replace(model, version=args.field_model_version).save(args.write_field_model)


def _entities_vs_resolution(result: dict[str, Any]) -> None:
    """Each entities-mode F1 minus clear-text resolution's F1 as entities, in place."""
    clear = result["clear_text_resolution"]["same_entity"]["f1"]
    fields = result["pprl_field_filters"]
    for block in (result["pprl_entities"], fields["entities"], fields["shipped_model"]["entities"]):
        block["f1_difference_vs_resolution_entities"] = round(block["f1"] - clear, 4)
    fit = fields["entities"]["at_fit_link_threshold"]  # the fitted model's own default
    fit["f1_difference_vs_resolution_entities"] = round(fit["f1"] - clear, 4)


def replace_args(args: argparse.Namespace, **changes: Any) -> argparse.Namespace:
    """A copy of parsed options with some changed."""
    return argparse.Namespace(**(vars(args) | changes))


def main() -> None:
    """Parse options, run the benchmark, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=5000, help="per synthetic world")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--unfolded", action="store_true", help="also score unfolded CLKs")
    parser.add_argument(
        "--throughput", type=int, default=0, metavar="N", help="also time N entities end to end"
    )
    parser.add_argument(
        "--synthetic", action="store_true", help="use bench/_pprl_world.py, not ringfence.sim"
    )
    parser.add_argument("--sim-days", type=int, default=30)
    parser.add_argument("--sim-scale", type=float, default=0.5)
    parser.add_argument("--public", help="a public dataset of bench/_resolve_public.py instead")
    parser.add_argument("--splink-datasets", type=Path, help="splink_datasets' data/ folder")
    parser.add_argument(
        "--write-field-model",
        type=Path,
        metavar="FILE",
        help="only fit the field model on the train worlds of FIELD_MODEL_WORLDS and the "
        "simulator and write it (how ringfence/resolve/pprl/field_model.json is made)",
    )
    parser.add_argument("--field-model-version", default="fitted")
    parser.add_argument(
        "--pick-link-thresholds",
        type=Path,
        nargs="+",
        metavar="JSON",
        help="only read outputs of this bench (one per world) and print each score model's "
        "mean train F1 per entities link threshold (how entities.py's defaults are chosen)",
    )
    args = parser.parse_args()
    if args.pick_link_thresholds:
        print(json.dumps(pick_link_thresholds(args.pick_link_thresholds), indent=2))
        return
    if args.write_field_model:
        write_field_model(args)
        return
    if args.public:
        train, test, description = public_sources(args.public, args.splink_datasets)
    else:
        train, test, description = world_sources(args)
    result: dict[str, Any] = {
        "data": description,
        "seed": args.seed,
        "params": PprlParams().encoding_fields(),
        **run(train, test, PprlParams(), resolution=True),
        "pprl_field_filters": field_run(
            World(train, FIELD_PARAMS, clear=False), World(test, FIELD_PARAMS, clear=False)
        ),
    }
    _entities_vs_resolution(result)
    # The like-for-like comparison: the CLK given only what the clear-text matcher sees (names;
    # identifiers are exact on both sides), so the F1 gap is the price of encoding alone.
    names_only = PprlParams(k={"name": 20, "street": 0, "city": 0, "postcode": 0, "country": 0})
    same_fields = run(train, test, names_only)
    result["pprl_names_only"] = {
        **same_fields["pprl"],
        "f1_difference_vs_clear_text": same_fields["f1_difference"],
    }
    if args.unfolded:
        folded = run(train, test, PprlParams(xor_fold=False))
        result["pprl_unfolded"] = {
            **folded["pprl"],
            "f1_difference_vs_clear_text": folded["f1_difference"],
        }
    if args.throughput:
        result["throughput_end_to_end"] = throughput(args.throughput, args.seed + 2)
    result["machine"] = machine()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

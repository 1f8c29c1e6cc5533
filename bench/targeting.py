"""Targeting benchmark: KCS declarations (train 2020, validate 2021Q1) and scoring speed.

    .venv/bin/python bench/targeting.py [--rows 1000000] [--work DIR] [--skip-scale] [--scale-only]
        [--learn-prior] [--prior-weight W] [--scoring-rounds N] [--rare S] [--pairs]
        [--[no-]counts] [--[no-]deciles]

1. Ingests the KCS files (/work/shared/data/kcs or beside the checkout) through the shipped
   mapping, the way a user would.
2. Development check inside 2020 only (train Jan–Oct, validate Nov–Dec): the split used for every
   tuning decision. 2021Q1 is evaluated once, with settings fixed beforehand.
3. Train on 2020, test 2021Q1: precision at 1/2/5/10 % for ``fraud``, recall for ``ipr``, next to
   the published baselines (XGBoost / LightGBM precision at 5 % and 10 %).
4. Speed: training time on 2020; one-shipment online scoring latency (``OnlineScorer``, as the
   API calls it; see bench/serving.py) on the KCS lake; features + scores for ``--rows``
   synthetic shipments.
Prints one JSON object. The learning-loop curves are bench/operations.py's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine
from serving import measure as measure_serving

from ringfence.ingest import ingest_files
from ringfence.model.feeds import feed
from ringfence.score import features as features_module
from ringfence.score import history, rare
from ringfence.score import model as model_module
from ringfence.score.features import HISTORY_KEYS, PAIR_KEYS, compute_features
from ringfence.score.inputs import known_labels, register_inputs
from ringfence.score.network_risk import load_snapshots
from ringfence.score.pipeline import build_matrix, train
from ringfence.score.rules import load_rules
from ringfence.score.serve import score_matrix
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.target.backtest import backtest

BUDGETS = ["1", "2", "5", "10"]
LEARN_PRIOR = False  # --learn-prior
FIXED_PRIOR: float | None = None  # --prior-weight: else train/backtest choose it (score/prior.py)
PUBLISHED = {
    "fraud_precision": {
        "xgboost": {"5": 0.675, "10": 0.579},
        "lightgbm": {"5": 0.762, "10": 0.641},
    }
}


def _kcs_dir() -> Path:
    for candidate in (Path("/work/shared/data/kcs"), ROOT.parent / "shared" / "data" / "kcs"):
        if (candidate / "declarations-2020.csv").is_file():
            return candidate
    raise SystemExit("KCS declarations not found (expected /work/shared/data/kcs)")


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, per_label in [("model", report["labels"]), *report["baselines"].items()]:
        fraud, ipr = per_label.get("fraud"), per_label.get("ipr")
        out[name] = {
            "fraud_precision": {b: fraud["budgets"][b]["precision"] for b in BUDGETS}
            if fraud
            else None,
            "fraud_auc": fraud["auc"] if fraud else None,
            "ipr_recall": {b: ipr["budgets"][b]["recall"] for b in BUDGETS} if ipr else None,
            "ipr_auc": ipr["auc"] if ipr else None,
        }
    out["value_aware"] = _value_aware(report)
    return out


def _value_aware(report: dict[str, Any]) -> dict[str, Any]:
    """Fraud precision and revenue at each budget: probability only, then each balanced γ."""
    rankings = {"probability": report["labels"].get("fraud")}
    rankings.update(report.get("value_aware", {}).get("fraud", {}))
    return {
        name: {key: {b: m["budgets"][b][key] for b in BUDGETS} for key in ("precision", "revenue")}
        for name, m in rankings.items()
        if m
    }


def _kcs(settings: Settings) -> dict[str, Any]:
    kcs = _kcs_dir()
    files = [kcs / "declarations-2020.csv", kcs / "declarations-2021q1.csv"]
    ingest_files(settings, "declarations", files, mapping="kcs-declarations")
    d = dt.date
    learnt = _learn_prior(settings, d(2020, 12, 31)) if LEARN_PRIOR else None
    fixed = FIXED_PRIOR
    dev = backtest(settings, d(2020, 10, 31), d(2020, 11, 1), d(2020, 12, 31), prior_weight=fixed)
    started = time.perf_counter()
    model, _ = train(settings, d(2020, 12, 31), prior_weight=fixed)
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    test = backtest(settings, d(2020, 12, 31), d(2021, 1, 1), d(2021, 3, 31), prior_weight=fixed)
    backtest_seconds = time.perf_counter() - started
    return {
        "development_2020_train_jan_oct_validate_nov_dec": _summary(dev.report),
        "validation_2021q1_train_2020": _summary(test.report),
        "published_baselines": PUBLISHED,
        "train_seconds_2020": round(train_seconds, 2),
        "backtest_seconds": round(backtest_seconds, 2),
        "model_validation_metrics": {k: m.metrics for k, m in model.models.items()},
        "prior_weight_learnt": learnt,
        "profile_prior": {
            "development": dev.report["profile_prior"],
            "train_2020": model.extra["profile_prior"],
            "validation_backtest": test.report["profile_prior"],
        },
    }


def _learn_prior(settings: Settings, until: dt.date) -> dict[str, Any]:
    """Choose the profile prior on the 2020 window alone (``score/prior.py``) and use it for
    what follows; the development split's figures are then not independent of the choice."""
    from ringfence.score.prior import choose_prior_weight

    engine = open_engine(settings)
    try:
        started = time.perf_counter()
        matrix, _, losses = choose_prior_weight(
            settings, engine, until + dt.timedelta(days=1), until
        )
    finally:
        engine.close()
    history.PRIOR_WEIGHT = matrix.prior_weight
    return {
        "chosen": matrix.prior_weight,
        "validation_log_loss_ratio": {str(w): round(v, 5) for w, v in losses.items()},
        "seconds": round(time.perf_counter() - started, 2),
    }


def _synthetic(rows: int, seed: int = 1) -> tuple[pa.Table, pa.Table]:
    """Shipments over a year with realistic key cardinalities, a fifth of them inspected."""
    rng = np.random.default_rng(seed)

    def pool(prefix: str, size: int) -> np.ndarray:
        picks = rng.zipf(1.3, rows) % size
        return np.char.add(prefix, picks.astype(str))

    ids = np.char.add("sh-", np.arange(rows).astype(str))
    dates = np.datetime64("2024-01-01") + np.sort(rng.integers(0, 365, rows)).astype(
        "timedelta64[D]"
    )
    cols: dict[str, Any] = {name: pa.nulls(rows, f.type) for name, f in _schema_items()}
    cols.update(
        id=ids, source_key=ids, date=dates.astype("datetime64[D]"),
        importer_ref=pool("i", rows // 20), declarant_ref=pool("d", 2000),
        seller_ref=pool("s", rows // 10), courier_ref=pool("c", 50),
        hs_code=pool("8", 5000), origin_country=pool("C", 60), departure_country=pool("D", 60),
        port=pool("P", 40), weight_kg=rng.lognormal(3, 1.5, rows),
        declared_value=rng.lognormal(10, 2, rows), value_at_stake=rng.lognormal(8, 2, rows),
    )  # fmt: skip
    schema = feed("shipments").schema
    shipments = pa.table({n: pa.array(cols[n], schema.field(n).type) for n in schema.names})
    inspected = np.flatnonzero(rng.random(rows) < 0.2)
    outcome_parts = []
    for label, rate in (("fraud", 0.2), ("ipr", 0.01)):
        outcome_parts.append(
            {
                "shipment_ref": ids[inspected],
                "label": np.full(len(inspected), label),
                "positive": rng.random(len(inspected)) < rate,
                "date": dates[inspected].astype("datetime64[D]"),
            }
        )
    merged = {k: np.concatenate([p[k] for p in outcome_parts]) for k in outcome_parts[0]}
    oschema = feed("outcomes").schema
    merged["id"] = np.char.add("ou-", np.arange(len(merged["label"])).astype(str))
    outcomes = pa.table(
        {
            n: pa.array(merged[n], oschema.field(n).type)
            if n in merged
            else pa.nulls(len(merged["label"]), oschema.field(n).type)
            for n in oschema.names
        }
    )
    return shipments, outcomes


def _schema_items() -> list[tuple[str, pa.Field]]:
    schema = feed("shipments").schema
    return [(n, schema.field(n)) for n in schema.names]


def _scale(settings: Settings, rows: int, train_all: bool = True) -> dict[str, Any]:
    """Features + scores for ``rows`` synthetic shipments with the model trained on KCS."""
    from ringfence.score.model import load_model

    model = load_model(settings)
    shipments, outcomes = _synthetic(rows)
    scale_settings = Settings(data_dir=settings.data_dir / "scale")
    lake = Lake(scale_settings)
    lake.write_table("shipments", shipments, "bench")
    lake.write_table("outcomes", outcomes, "bench")
    engine = open_engine(scale_settings)
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        register_inputs(scale_settings, engine)
        # No party mentions or network here (as on KCS): this only checks, the columns are absent.
        network = load_snapshots(scale_settings)
        features = compute_features(engine, known_labels(engine), network=network)
        feature_seconds = time.perf_counter() - started
        feature_cpu = time.process_time() - cpu_started
        matrix = build_matrix(features, load_rules())
        matrix_seconds = time.perf_counter() - started - feature_seconds
        scores = score_matrix(model, matrix)
        total = time.perf_counter() - started
        total_cpu = time.process_time() - cpu_started
    finally:
        engine.close()
    train_seconds = _train_on_every_row(matrix) if train_all else None
    return {
        "train_seconds_all_rows_labelled": train_seconds,
        "rows": rows,
        "features_seconds": round(feature_seconds, 2),
        "features_cpu_seconds": round(feature_cpu, 2),
        "matrix_seconds": round(matrix_seconds, 2),
        "features_and_scores_seconds": round(total, 2),
        "features_and_scores_cpu_seconds": round(total_cpu, 2),
        "load_average": list(os.getloadavg()),
        "rows_per_second": round(rows / total),
        "labels_scored": sorted(scores),
    }


def _train_on_every_row(matrix: Any) -> float:
    """Seconds to train (and calibrate) one label's model with every one of the rows labelled.

    The labels are drawn at random (5 % positive): this measures the cost of training at this
    size on the real feature matrix, not what the model learns.
    """
    from ringfence.score.model import train_label

    rng = np.random.default_rng(2)
    y = (rng.random(matrix.x.shape[0]) < 0.05).astype(float)
    started = time.perf_counter()
    train_label("fraud", matrix.x, y, matrix.days(), matrix.names, None)
    return round(time.perf_counter() - started, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument(
        "--prior-weight", type=float, default=None,
        help="pseudo-observations smoothing every profile rate, fixed (default: train and "
        "backtest choose it from score/prior.py's grid on their training window)",
    )  # fmt: skip
    parser.add_argument("--rare", choices=rare.STRATEGIES, default=None, help="rare.STRATEGY")
    parser.add_argument("--pairs", action="store_true", help="add features.PAIR_KEYS profiles")
    parser.add_argument(
        "--counts", action=argparse.BooleanOptionalAction, default=None,
        help="past shipments of every history key (features.SHIPMENT_COUNTS, default off)",
    )  # fmt: skip
    parser.add_argument(
        "--deciles", action=argparse.BooleanOptionalAction, default=None,
        help="top-decile flags (features.TOP_DECILES, default off)",
    )  # fmt: skip
    parser.add_argument("--scoring-rounds", type=int, default=None, help="model.SCORING_ROUNDS")
    parser.add_argument(
        "--learn-prior", action="store_true",
        help="choose the profile prior on the 2020 window (score/prior.py) before training",
    )  # fmt: skip
    parser.add_argument(
        "--scale-only", action="store_true",
        help="only the 1M features+scores, with the model of an earlier run's --work",
    )  # fmt: skip
    args = parser.parse_args()
    global LEARN_PRIOR, FIXED_PRIOR
    LEARN_PRIOR = args.learn_prior
    if args.scoring_rounds is not None:
        model_module.SCORING_ROUNDS = args.scoring_rounds
    if args.pairs:
        HISTORY_KEYS.update(PAIR_KEYS)
    if args.counts is not None:
        features_module.SHIPMENT_COUNTS = args.counts
    if args.deciles is not None:
        features_module.TOP_DECILES = args.deciles
    if args.rare is not None:
        rare.STRATEGY = args.rare
    if args.prior_weight is not None:
        history.PRIOR_WEIGHT = args.prior_weight
        FIXED_PRIOR = args.prior_weight
    work = args.work or Path(tempfile.mkdtemp(prefix="rf-bench-targeting-"))
    settings = Settings(data_dir=work / "data")
    if args.scale_only:  # the model an earlier run left in --work; only the 1M figures
        shutil.rmtree(work / "data" / "scale", ignore_errors=True)
        options = {
            "shipment_counts": features_module.SHIPMENT_COUNTS,
            "top_deciles": features_module.TOP_DECILES,
        }
        scale = _scale(settings, args.rows, False)
        print(json.dumps({"scale": scale, "options": options, "machine": machine()}))
        return
    shutil.rmtree(work / "data", ignore_errors=True)
    result: dict[str, Any] = {"prior_weight": history.PRIOR_WEIGHT, "rare": rare.STRATEGY}
    result["pair_keys"] = args.pairs
    result["shipment_counts"] = features_module.SHIPMENT_COUNTS
    result["top_deciles"] = features_module.TOP_DECILES
    result["scoring_rounds"] = model_module.SCORING_ROUNDS
    result["kcs"] = _kcs(settings)
    result["serving_kcs"] = measure_serving(settings, 1000)
    if not args.skip_scale:
        result["scale"] = _scale(settings, args.rows)
    result["machine"] = machine()
    print(json.dumps(result, indent=2))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

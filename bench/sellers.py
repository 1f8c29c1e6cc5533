"""Seller risk: LightGBM on own features only vs with neighbour aggregates, same split, same run.

Prints JSON. Two settings:

- ``simulator``: the simulated marketplace (``ringfence.marketplace.simulated``, no files), the
  product's own snapshots and time split (``marketplace.train``): train, validation and test label
  windows never overlap.
- ``tolokers`` (``--tolokers FILE``, the ``tolokers.npz`` of yandex-research/heterophilous-graphs,
  Platonov et al. 2023): workers of a crowdsourcing platform, edges between workers who did the
  same task, label = banned. No dates: the dataset's own random splits (50/25/25; ``--splits``
  of its 10). Known-bad neighbours come from *training* labels only.

Variants: ``features_only`` (the node's own features), ``neighbour_aggregates`` (+ degrees and
the neighbours' feature mean and max: the tree-ensemble baseline of graph fraud benchmarks) and
``with_known_labels`` (+ known-bad neighbours, one and two hops: what the product uses).
Metrics on the test set: AUPRC (average precision), AUROC, Recall@K for K = the number of test
positives and K = 5% of the test rows.

    nice python bench/sellers.py --tolokers /work/data/tolokers/tolokers.npz [--seeds 7,8,9]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from ringfence.marketplace.features import own_features
from ringfence.marketplace.graph import adjacency, degrees, label_stats, neighbour_stats
from ringfence.marketplace.simulated import simulated_sellers
from ringfence.marketplace.train import fit_validated, labelled, plan_split
from ringfence.sim.config import SimConfig

LABEL_COLUMNS = ("known_bad", "known_bad_share", "known_bad_of_labelled", "known_bad_2hop")


def metrics(y: np.ndarray, score: np.ndarray) -> dict[str, float]:
    """AUPRC, AUROC and Recall@K on one test set."""
    order = np.argsort(-score, kind="stable")
    positives = int(y.sum())
    k5 = max(1, round(0.05 * len(y)))
    return {
        "auprc": round(float(average_precision_score(y, score)), 4),
        "auroc": round(float(roc_auc_score(y, score)), 4),
        "recall_at_k_positives": round(float(y[order[:positives]].sum() / positives), 4),
        "recall_at_5pct": round(float(y[order[:k5]].sum() / positives), 4),
        "k_positives": positives,
        "k_5pct": k5,
    }


def evaluate(
    x: np.ndarray, y: np.ndarray, masks: tuple, names: list[str], early: np.ndarray | None = None
) -> dict[str, Any]:
    """Fit on train, early-stop on validation, score the test rows (and, given ``early``, the
    test rows it marks on their own)."""
    train, valid, test = masks
    booster, rounds, _ = fit_validated(x, y, train, valid, names)
    score = np.asarray(booster.predict(x[test], raw_score=True))
    out = {**metrics(y[test], score), "trees": rounds, "features": len(names)}
    if early is not None and y[test & early].sum() > 0:
        out["before_any_notice"] = metrics(y[test & early], score[early[test]])
    return out


def variants(columns: list[str], own: list[str]) -> dict[str, list[str]]:
    """Feature lists of the three variants."""
    labels = [c for c in columns if any(c.endswith(s) for s in LABEL_COLUMNS)]
    aggregates = [c for c in columns if c not in own and c not in labels]
    return {
        "features_only": own,
        "neighbour_aggregates": own + aggregates,
        "with_known_labels": own + aggregates + labels,
    }


def simulator(scale: float, days: int, seed: int) -> dict[str, Any]:
    """The three variants on the simulated marketplace's time split."""
    started = time.perf_counter()
    data, _ = simulated_sellers(SimConfig(seed=seed, days=days, scale=scale))
    split = plan_split(int(data.outcomes["day"].min()), int(data.outcomes["day"].max()))
    stacked = labelled(data, [*split.train, split.validation, split.test], split.horizon)
    masks = (
        stacked.rows(split.train),
        stacked.rows([split.validation]),
        stacked.rows([split.test]),
    )
    columns = list(stacked.x.columns)
    own_cols = list(own_features(data, split.test).columns)
    out: dict[str, Any] = {
        "sellers": len(data.sellers),
        "split": split.as_dict(),
        "rows": {
            k: int(m.sum()) for k, m in zip(("train", "validation", "test"), masks, strict=True)
        },
        "positives": {
            k: int(stacked.y[m].sum())
            for k, m in zip(("train", "validation", "test"), masks, strict=True)
        },
    }
    # Sellers no rights holder had complained about yet: found early, or not at all.
    early = stacked.x["notices"].to_numpy() == 0
    out["positives"]["test_before_any_notice"] = int(stacked.y[masks[2] & early].sum())
    for name, cols in variants(columns, own_cols).items():
        x = stacked.x[cols].to_numpy(dtype=float)
        out[name] = evaluate(x, stacked.y, masks, cols, early)
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def pooled(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and standard deviation of each variant's metrics over several runs."""
    out: dict[str, Any] = {"runs": len(runs)}
    for name in ("features_only", "neighbour_aggregates", "with_known_labels"):
        for part, pick in (
            ("", lambda r: r),
            ("before_any_notice_", lambda r: r.get("before_any_notice")),
        ):
            for m in ("auprc", "auroc", "recall_at_k_positives", "recall_at_5pct"):
                values = np.array([pick(r[name])[m] for r in runs if pick(r[name])])
                if values.size:
                    out.setdefault(name, {})[f"{part}{m}"] = round(float(values.mean()), 4)
                    out[name][f"{part}{m}_std"] = round(float(values.std()), 4)
    return out


def tolokers(path: str, splits: int) -> dict[str, Any]:
    """The three variants on the Tolokers graph, per split and averaged."""
    started = time.perf_counter()
    d = np.load(path)
    x0, y = d["node_features"].astype(float), d["node_labels"].astype(float)
    edges = d["edges"]
    n = len(y)
    a = adjacency(n, edges[:, 0], edges[:, 1])
    own = [f"f{j}" for j in range(x0.shape[1])]
    agg = {**degrees(a, "links_")}
    stats = neighbour_stats(a, x0, own)
    per_split: list[dict[str, Any]] = []
    for s in range(splits):
        train, valid, test = d["train_masks"][s], d["val_masks"][s], d["test_masks"][s]
        known = label_stats(a, train & (y == 1), train & (y == 0), "")
        cols = {**{c: x0[:, j] for j, c in enumerate(own)}, **agg, **stats, **known}
        names = list(cols)
        x = np.column_stack([cols[c] for c in names])
        result = {}
        for name, chosen in variants(names, own).items():
            idx = [names.index(c) for c in chosen]
            result[name] = evaluate(x[:, idx], y, (train, valid, test), chosen)
        per_split.append(result)
    summary: dict[str, Any] = {
        "nodes": n,
        "edges": len(edges),
        "positive_share": round(float(y.mean()), 4),
        "splits": splits,
    }
    summary.update(pooled(per_split))
    summary["per_split"] = per_split
    summary["seconds"] = round(time.perf_counter() - started, 1)
    return summary


def main() -> None:
    """Run both settings and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tolokers", help="tolokers.npz (heterophilous-graphs)")
    parser.add_argument("--splits", type=int, default=10, help="Tolokers splits to run (1-10)")
    parser.add_argument("--scale", type=float, default=16.0, help="simulator scale")
    parser.add_argument("--days", type=int, default=120, help="simulated days")
    parser.add_argument("--seeds", default="7,8,9", help="simulated worlds, comma-separated")
    args = parser.parse_args()
    report: dict[str, Any] = {"load_before": os.getloadavg()[0]}
    seeds = [int(s) for s in args.seeds.split(",")]
    worlds = {seed: simulator(args.scale, args.days, seed) for seed in seeds}
    report["simulator"] = {
        "scale": args.scale,
        "days": args.days,
        **pooled(list(worlds.values())),
        "per_seed": worlds,
    }
    if args.tolokers:
        report["tolokers"] = tolokers(args.tolokers, args.splits)
    report["load_after"] = os.getloadavg()[0]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Name matching on public labelled data: the shipped name model against a plain rapidfuzz ratio.

    .venv/bin/python bench/names.py [--companies PATH] [--queries 1000]

Per dataset (bench/_names_data.py; the *test* split only, never seen in training or tuning)
prints precision, recall and F1 of

* ``name_model``: ``compare_names`` at the default threshold 0.5;
* ``rapidfuzz_ratio``: ``fuzz.ratio`` of the case-folded names, at the threshold with the best F1
  on the *validation* split (a plain ratio has no threshold of its own);
* ``rapidfuzz_ratio_latinised``: the same after the name model's transliteration and folding
  (so the model's gain over transliteration alone shows);
* ``splink_untuned``: Splink's ``NameComparison`` untrained (bench/_names_splink.py) at 0.5;

with the seconds each took. Then the screening figure: a watchlist of the distinct English person
names of bench/data/names (10,000 entries, no duplicates, built straight from a table like a
fresh watchlist), screened with ``--queries`` test-split names written with one typo, with one
typo and the words reversed, or in Hebrew / Korean script; ``top1`` is how often the source entry
comes first (for the index: ``ScreeningIndex.screen``; for the baseline: the best
``token_sort_ratio`` of the transliterated, normalised names over all entries). Prints one JSON
object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import machine
from bench._names_data import Pair, _read_tsv, load_datasets, split_of, typo
from bench._names_splink import splink_untuned
from ringfence.resolve.names import compare_names, default_model, fold_text, normalise_name
from ringfence.resolve.names.analyse import latinise
from ringfence.resolve.screen import ScreeningIndex, Weights


def prf(predicted: list[bool], labels: list[int]) -> dict[str, float]:
    """Precision, recall and F1."""
    tp = sum(p and y == 1 for p, y in zip(predicted, labels, strict=True))
    fp = sum(p and y == 0 for p, y in zip(predicted, labels, strict=True))
    fn = sum((not p) and y == 1 for p, y in zip(predicted, labels, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def ratio(p: Pair) -> float:
    """Plain ``fuzz.ratio`` of the case-folded names."""
    return fuzz.ratio(p.left.casefold(), p.right.casefold()) / 100.0


def latin_ratio(p: Pair) -> float:
    """``fuzz.ratio`` after the same transliteration and folding the name model uses."""
    return fuzz.ratio(fold_text(latinise(p.left)), fold_text(latinise(p.right))) / 100.0


def best_threshold(pairs: list[Pair], scorer: Callable[[Pair], float]) -> float:
    """The threshold with the best F1 on ``pairs`` (the validation split)."""
    scores = [scorer(p) for p in pairs]
    labels = [p.label for p in pairs]
    grid = [t / 100 for t in range(30, 100)]
    return max(grid, key=lambda t: prf([s >= t for s in scores], labels)["f1"])


def evaluate(pairs: list[Pair]) -> dict[str, Any]:
    """Both matchers on one dataset's test split."""
    valid = [p for p in pairs if p.split == "validation"]
    test = [p for p in pairs if p.split == "test"]
    labels = [p.label for p in test]
    started = time.perf_counter()
    model = [compare_names(p.left, p.right, p.schema, p.schema).probability for p in test]
    model_seconds = time.perf_counter() - started
    baselines = {}
    for name, scorer in (("rapidfuzz_ratio", ratio), ("rapidfuzz_ratio_latinised", latin_ratio)):
        threshold = best_threshold(valid, scorer)
        started = time.perf_counter()
        base = [scorer(p) for p in test]
        seconds = time.perf_counter() - started
        baselines[name] = {
            **prf([s >= threshold for s in base], labels),
            "threshold": threshold,
            "seconds": round(seconds, 3),
        }
    splink, seconds = splink_untuned(test)
    baselines["splink_untuned"] = {
        **prf([s >= 0.5 for s in splink], labels),
        "threshold": 0.5,
        "seconds": round(seconds, 3),
    }
    return {
        "test_pairs": len(test),
        "true_pairs": sum(labels),
        "name_model": {
            **prf([s >= 0.5 for s in model], labels),
            "threshold": 0.5,
            "seconds": round(model_seconds, 3),
        },
        **baselines,
    }


def screening(queries: int) -> dict[str, Any]:
    """Typo'd / reordered / other-script queries against a fresh watchlist of distinct names."""
    rng = random.Random(11)
    people = _read_tsv("wikidata_person_names.tsv")
    seen: dict[str, dict[str, str]] = {}
    for row in people:
        seen.setdefault(normalise_name(row["english"]), row)
    rows = list(seen.values())
    table = pa.table(
        {
            "entity_id": [f"W{i}" for i in range(len(rows))],
            "schema": ["Person"] * len(rows),
            "name": [r["english"] for r in rows],
            "watchlisted": [True] * len(rows),
        }
    )
    started = time.perf_counter()
    index = ScreeningIndex(table, Weights())
    build = time.perf_counter() - started
    norm = [normalise_name(r["english"]) for r in rows]
    test = [i for i, r in enumerate(rows) if split_of(r["english"]) == "test"]
    picked = rng.sample(test, min(queries, len(test)))
    kinds: dict[str, list[tuple[str, int]]] = {"typo": [], "typo_reordered": [], "script": []}
    for k, i in enumerate(picked):
        name = rows[i]["english"]
        if k % 3 == 0:
            kinds["typo"].append((typo(name, rng), i))
        elif k % 3 == 1:
            kinds["typo_reordered"].append((" ".join(reversed(typo(name, rng).split())), i))
        else:
            kinds["script"].append((rows[i]["native"], i))
    out: dict[str, Any] = {"watchlist": len(rows), "build_seconds": round(build, 2)}
    for kind, items in kinds.items():
        hits = base_hits = 0
        started = time.perf_counter()
        for query, i in items:
            found = index.screen({"name": query, "schema": "Person"}, limit=1)
            hits += bool(found) and found[0].entity_id == f"W{i}"
        seconds = time.perf_counter() - started
        for query, i in items:
            best = process.extractOne(normalise_name(query), norm, scorer=fuzz.token_sort_ratio)
            base_hits += best is not None and best[2] == i
        out[kind] = {
            "queries": len(items),
            "top1": round(hits / len(items), 4),
            "ms_per_query": round(1000 * seconds / len(items), 2),
            "baseline_token_sort_ratio_top1": round(base_hits / len(items), 4),
        }
    typos = kinds["typo"] + kinds["typo_reordered"]
    out["typo_top1"] = round(
        (out["typo"]["top1"] * len(kinds["typo"])
         + out["typo_reordered"]["top1"] * len(kinds["typo_reordered"])) / len(typos), 4
    )  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    env = os.environ.get("RINGFENCE_BENCH_COMPANIES")
    parser.add_argument("--companies", type=Path, default=Path(env) if env else None)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()
    datasets = load_datasets(args.companies)
    result: dict[str, Any] = {
        "name_model_version": default_model().version,
        "datasets": {name: evaluate(pairs) for name, pairs in datasets.items()},
        "screening": screening(args.queries),
        "machine": machine(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

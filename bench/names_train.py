"""Train the default name model and write ringfence/resolve/names/default_model.json.

    .venv/bin/python bench/names_train.py [--companies PATH] [--out FILE]

Reproducible: the pairs come from bench/_names_data.py (seeded), the model is scikit-learn's
LogisticRegression on the features of ringfence/resolve/names/similarity.py — one for pairs of
Latin-letter names, one for pairs with a transliterated name — fitted on the *train* split of
the shipped datasets; each one's regularisation C is the one of ``C_GRID`` with the lowest
log-loss on the *validation* split. The test split is never read here
(bench/names.py reports it). Word frequencies ("how common is this name word") are document
frequencies over the train split's names.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._names_data import Pair, load_datasets
from ringfence.resolve.names import analyse, kind_of
from ringfence.resolve.names.model import MODEL_FILE, NameModel
from ringfence.resolve.names.similarity import FEATURES

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "ringfence" / "resolve" / "names" / MODEL_FILE
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
VERSION = "2026.12.2"
TOP_WORDS = 6000


def frequencies(pairs: list[Pair]) -> tuple[int, dict[str, int]]:
    """Document frequencies of name words over the distinct names of ``pairs``."""
    names = {(p.left, p.schema) for p in pairs} | {(p.right, p.schema) for p in pairs}
    counts: Counter[str] = Counter()
    for name, schema in names:
        counts.update(set(analyse(name, kind_of(schema)).tokens))
    common = {w: c for w, c in counts.most_common(TOP_WORDS) if c >= 3}
    return len(names), common


def matrix(model: NameModel, pairs: list[Pair]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature matrix, labels and whether both names were in Latin letters."""
    rows, latin = [], []
    for p in pairs:
        a, b = analyse(p.left, kind_of(p.schema)), analyse(p.right, kind_of(p.schema))
        rows.append(model.features(a, b))
        latin.append(a.latin and b.latin)
    labels = np.asarray([p.label for p in pairs])
    return np.asarray(rows, dtype=float), labels, np.asarray(latin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--companies", type=Path, help="also train on this companies file (not the shipped model)"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    started = time.perf_counter()
    datasets = load_datasets(args.companies)
    every = [p for pairs in datasets.values() for p in pairs]
    train = [p for p in every if p.split == "train"]
    valid = [p for p in every if p.split == "validation"]
    documents, freq = frequencies(train)
    blank = NameModel("", {}, {}, documents, freq)
    x_train, y_train, latin_train = matrix(blank, train)
    x_valid, y_valid, latin_valid = matrix(blank, valid)
    coef, intercept, chosen, losses = {}, {}, {}, {}
    for regime, want in (("latin", True), ("translit", False)):
        xt, yt = x_train[latin_train == want], y_train[latin_train == want]
        xv, yv = x_valid[latin_valid == want], y_valid[latin_valid == want]
        loss = {}
        for c in C_GRID:
            fitted = LogisticRegression(C=c, max_iter=3000).fit(xt, yt)
            loss[c] = log_loss(yv, fitted.predict_proba(xv)[:, 1])
        best = min(loss, key=loss.__getitem__)
        final = LogisticRegression(C=best, max_iter=3000).fit(xt, yt)
        coef[regime] = [round(float(c), 6) for c in final.coef_[0]]
        intercept[regime] = round(float(final.intercept_[0]), 6)
        chosen[regime] = best
        losses[regime] = {str(k): round(v, 4) for k, v in loss.items()}
    out = {
        "version": VERSION,
        "features": list(FEATURES),
        "coef": coef,
        "intercept": intercept,
        "documents": documents,
        "meta": {
            "trained_by": "bench/names_train.py",
            "datasets": {k: len(v) for k, v in datasets.items()},
            "train_pairs": len(train),
            "validation_pairs": len(valid),
            "C": chosen,
            "validation_log_loss": losses,
            "prior": "even odds: one near-namesake pair per true pair",
        },
        "frequencies": dict(sorted(freq.items())),
    }
    args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in out.items() if k != "frequencies"}, indent=2))
    print(f"written {args.out} in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()

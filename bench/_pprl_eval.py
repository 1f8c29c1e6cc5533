"""bench/pprl.py's evaluation world: one labelled source encoded, blocked and compared by PPRL
(and the clear-text matcher), with the precision/recall/F1 every figure is made of."""

from __future__ import annotations

import time

import numpy as np

from bench._pprl_clear import clear_text_features, resolution_pairs
from bench._pprl_sources import Source
from ringfence.resolve.pprl import PprlParams, encode_parties
from ringfence.resolve.pprl.match import (
    candidate_pairs,
    clk_matrix,
    dice,
    exact_agreements,
    exact_disagreements,
)

SECRET = b"bench secret, not for production use, 32+ bytes long"


def prf(predicted: int, correct: int, true: int) -> dict[str, float]:
    """Precision, recall and F1 (rounded) from counts of predicted, correct and true pairs."""
    precision = correct / predicted if predicted else 1.0
    recall = correct / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def clear_text_entities(train_source: Source, eval_source: Source) -> dict[str, float]:
    """Clear-text resolution's entity precision, recall and F1 on an eval world (left × right
    pairs in one entity), the train world's records given to it unlabelled
    (``resolution_pairs``)."""
    left, right, truth = eval_source
    found = resolution_pairs(left, right, (train_source[0], train_source[1]))["entities"]
    return prf(len(found), len(found & truth), len(truth))


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
        return prf(int(predicted.sum()), int((predicted & self.labels).sum()), len(self.truth))
